// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <flow/derive.hpp>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>

/// Running totals per account over a collection of transactions
/// (`{"id":…,"account":"alice","amount":12.5}`). It keeps every account's total in memory,
/// publishes one `{"account","total","count"}` document per account that changed at each
/// transaction's flush, and persists exactly the changed accounts as a merge patch of its state
/// (`{"totals":{"alice":{"total":…,"count":…}}}`), which open() restores from.
///
/// Example (the program's main):
///   int main(int argc, char** argv) { return flow::derive::run<RunningTotals>(argc, argv); }
class RunningTotals final : public flow::derive::Connector {
 public:
  struct Total {
    double total = 0;
    std::uint64_t count = 0;
  };

  flow::derive::Spec spec(const flow::derive::SpecRequest& request) override;
  flow::derive::Validated validate(const flow::derive::Validate& request) override;
  void open(const flow::derive::Open& request) override;
  void read(const flow::derive::Read& request, flow::derive::Publisher& out) override;
  void flush(flow::derive::Publisher& out) override;
  std::optional<flow::ConnectorState> start_commit() override;
  void reset() override;

 private:
  /// Lets totals_ be searched by string_view, so a read of a known account allocates nothing.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const noexcept {
      return std::hash<std::string_view>{}(key);
    }
  };

  std::unordered_map<std::string, Total, Hash, std::equal_to<>> totals_;
  std::set<std::string, std::less<>> changed_;      // since the last flush; ordered: stable output
  std::set<std::string, std::less<>> unpersisted_;  // flushed, not yet in a state update
  simdjson::ondemand::parser parser_;
};
