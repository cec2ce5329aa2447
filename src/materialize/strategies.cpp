// SPDX-License-Identifier: Apache-2.0
// The three checkpoint strategies (include/flow/materialize/strategies.hpp).

#include <flow/error.hpp>
#include <flow/materialize/strategies.hpp>

namespace flow::materialize {

// ---- Destination-authoritative -------------------------------------------------------------

Opened DestinationAuthoritative::open(const Open& request) {
  open_destination(request);
  Opened opened;
  const std::string stored = stored_checkpoint(request);
  if (!stored.empty()) {
    opened.runtime_checkpoint = nlohmann::json::parse(stored, nullptr, false);
    if (opened.runtime_checkpoint.is_discarded()) {
      throw Error("the checkpoint stored at the destination is not valid JSON");
    }
  }
  return opened;
}

std::optional<ConnectorState> DestinationAuthoritative::start_commit(const StartCommit& request) {
  commit(request.runtime_checkpoint);
  return std::nullopt;
}

// ---- Recovery-log-authoritative ------------------------------------------------------------

void RecoveryLogAuthoritative::open_destination(const Open& /*request*/) {}

Opened RecoveryLogAuthoritative::open(const Open& request) {
  open_destination(request);
  // Work committed with the runtime checkpoint but maybe never applied: the first
  // acknowledge (which acknowledges that recovered commit) applies it.
  pending_ = request.state.is_object() ? request.state.value("pending", nlohmann::json())
                                       : nlohmann::json();
  return {};
}

std::optional<ConnectorState> RecoveryLogAuthoritative::start_commit(
    const StartCommit& /*request*/) {
  pending_ = stage_transaction();
  return ConnectorState{.updated = {{"pending", pending_}}, .merge_patch = true};
}

std::optional<ConnectorState> RecoveryLogAuthoritative::acknowledge(
    const Acknowledge& /*request*/) {
  if (pending_.is_null()) {
    return std::nullopt;
  }
  apply_staged(pending_);
  pending_ = nullptr;
  return ConnectorState{.updated = {{"pending", nullptr}}, .merge_patch = true};
}

// ---- At-least-once -------------------------------------------------------------------------

std::optional<ConnectorState> AtLeastOnce::start_commit(const StartCommit& /*request*/) {
  commit();
  return std::nullopt;
}

}  // namespace flow::materialize
