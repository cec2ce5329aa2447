// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <flow/capture.hpp>
#include <optional>
#include <string>

namespace flow::testing {

/// A capture connector whose behaviour is driven by its config, for transcript tests.
/// Config keys (all optional): docs (number of documents), checkpoint_every, explicit (bool:
/// request acknowledgements and, after the documents, wait until every checkpoint was
/// acknowledged), sourced (bool: emit a sourced schema first), trailing (documents after the
/// last checkpoint), binding (binding index to write to), fail (throw this message),
/// echo_collections (bool: validate, apply and pull report each binding's collection, to show
/// what the SDK resolved: validate answers the resource path [name, key...], apply describes
/// the names, pull captures one {"collection","key"} document per binding and checkpoints),
/// backfill_begin (binding: signal it after the sourced schema, before the documents),
/// backfill_complete (binding: signal it after the documents, with state {"backfilled":true}).
class TestConnector final : public capture::Connector {
 public:
  capture::Spec spec(const capture::SpecRequest& request) override;
  std::vector<capture::DiscoveredBinding> discover(const capture::Discover& request) override;
  std::vector<capture::ValidatedBinding> validate(const capture::Validate& request) override;
  capture::Applied apply(const capture::Apply& request) override;
  bool explicit_acknowledgements(const capture::Open& request) override;
  void pull(const capture::Open& request, capture::Output& out) override;
  void acknowledge(std::uint32_t checkpoints) override { acknowledged_ += checkpoints; }

  [[nodiscard]] std::uint32_t acknowledged() const { return acknowledged_.load(); }

 private:
  std::atomic<std::uint32_t> acknowledged_{0};
};

/// What serve() wrote and how it ended, for `input` fed on a file descriptor.
struct ServeResult {
  std::string output;
  std::string error;  ///< what() of the exception serve() threw, empty if none
  int exit_code = 0;
};
/// Runs serve() on `input` through pipes. `session` keeps stdin open until serve() returns
/// (as the runtime does once it sent an open); by default it is detected from a JSON input.
ServeResult serve_input(capture::Connector& connector,
                        const std::string& input,
                        const capture::ServeOptions& options = {},
                        std::optional<bool> session = std::nullopt);

}  // namespace flow::testing
