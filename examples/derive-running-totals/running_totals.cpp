// SPDX-License-Identifier: Apache-2.0
#include "running_totals.hpp"

#include <flow/error.hpp>
#include <flow/line_reader.hpp>
#include <string>

namespace derive = flow::derive;
namespace od = simdjson::ondemand;

derive::Spec RunningTotals::spec(const derive::SpecRequest& /*request*/) {
  return {.config_schema = {{"type", "object"}, {"title", "Running totals (no configuration)"}},
          .lambda_config_schema = {{"type", "object"}},
          .documentation_url =
              "https://github.com/estuary/flow/blob/master/site/docs/concepts/derivations.md",
          .oauth2 = nullptr};
}

derive::Validated RunningTotals::validate(const derive::Validate& request) {
  if (request.transforms.empty()) {
    throw flow::ConfigError("running totals needs at least one transform reading transactions");
  }
  // Every transform publishes; none is read-only.
  return {.transforms = std::vector<derive::ValidatedTransform>(request.transforms.size()),
          .generated_files = {}};
}

void RunningTotals::open(const derive::Open& request) {
  reset();
  const auto found = request.state.find("totals");
  if (found == request.state.end() || !found->is_object()) {
    return;
  }
  for (const auto& [account, entry] : found->items()) {
    if (!entry.is_object()) {
      continue;  // a merge patch deleted it (null), or it is not ours
    }
    totals_[account] =
        Total{.total = entry.value("total", 0.0), .count = entry.value("count", std::uint64_t{0})};
  }
}

void RunningTotals::read(const derive::Read& request, derive::Publisher& /*out*/) {
  // Parse in place: the SDK guarantees readable padding after the document.
  od::document doc = parser_.iterate(request.doc.data(), request.doc.size(),
                                     request.doc.size() + flow::LineReader::kLinePadding);
  std::string_view account;
  double amount = 0;
  if (doc["account"].get_string().get(account) != simdjson::SUCCESS) {
    throw flow::Error("a transaction document has no string 'account'");
  }
  if (doc["amount"].get_double().get(amount) != simdjson::SUCCESS) {
    throw flow::Error("a transaction document has no numeric 'amount'");
  }
  auto it = totals_.find(account);
  if (it == totals_.end()) {
    it = totals_.emplace(std::string(account), Total{}).first;
  }
  it->second.total += amount;
  ++it->second.count;
  if (changed_.find(account) == changed_.end()) {
    changed_.emplace(account);
  }
}

void RunningTotals::flush(derive::Publisher& out) {
  for (const auto& account : changed_) {
    const Total& total = totals_.at(account);
    out.publish(
        nlohmann::json{{"account", account}, {"total", total.total}, {"count", total.count}});
    unpersisted_.insert(account);
  }
  changed_.clear();
}

std::optional<flow::ConnectorState> RunningTotals::start_commit() {
  if (unpersisted_.empty()) {
    return std::nullopt;
  }
  nlohmann::json patch = nlohmann::json::object();
  for (const auto& account : unpersisted_) {
    const Total& total = totals_.at(account);
    patch[account] = {{"total", total.total}, {"count", total.count}};
  }
  unpersisted_.clear();
  return flow::ConnectorState{.updated = {{"totals", std::move(patch)}}, .merge_patch = true};
}

void RunningTotals::reset() {
  totals_.clear();
  changed_.clear();
  unpersisted_.clear();
}
