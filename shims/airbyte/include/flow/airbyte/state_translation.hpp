// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

/// Flow connector state ↔ Airbyte state: pure translation, no I/O.
///
/// The Flow state this shim keeps (every checkpoint is a merge patch of it):
///   {"airbyteStateType": "STREAM" | "GLOBAL" | "LEGACY",
///    "bindingStateV1": {<stateKey>: {"stream": {"stream_descriptor":…, "stream_state":…},
///                                    "rowId": N}},
///    "airbyteGlobal": {"shared_state": …},   // GLOBAL only
///    "airbyteLegacy": <the LEGACY data blob>} // LEGACY only
/// Per-binding state lives under the binding's Flow stateKey, so a re-backfilled binding
/// (new stateKey) starts over alone. `rowId` is kept only for incremental streams keyed by
/// `/_meta/row_id`. State written by Estuary's Python shim
/// (`bindingStateV1.<key>.state` = a whole STREAM message) is read too.
namespace flow::airbyte {

/// Which Airbyte state form the stored Flow state holds.
enum class StateForm { none, stream, global, legacy };

/// One bound stream, as the state translation needs it.
struct StateBinding {
  std::string name;
  std::string ns;  ///< "" = no namespace
  std::string state_key;
  bool persist_row_id = false;  ///< incremental and keyed by /_meta/row_id
};

StateForm stored_state_form(const nlohmann::json& flow_state);

/// The contents of the `--state` file for a `read`, or nullopt to pass no `--state`:
/// a list of STREAM messages, a one-element list holding a GLOBAL message, or the LEGACY
/// data blob itself, after the form the connector emitted before.
std::optional<nlohmann::json> airbyte_state_input(const nlohmann::json& flow_state,
                                                  const std::vector<StateBinding>& bindings);

/// The persisted row counter of a binding (0 when none).
std::uint64_t stored_row_id(const nlohmann::json& flow_state, std::string_view state_key);

/// The RFC 7396 merge patch that turns `from` into `to`. Explicit nulls inside `to` cannot
/// be expressed by a merge patch and come out as absent keys.
///
/// Example:
///   merge_patch_diff({{"a",1},{"b",2}}, {{"a",1},{"c",3}})  // {"b":null,"c":3}
nlohmann::json merge_patch_diff(const nlohmann::json& from, const nlohmann::json& to);

/// Turns Airbyte STATE messages into Flow checkpoint merge patches touching only what
/// changed, and keeps its own copy of the Flow state up to date with each patch.
///
/// Example:
///   StateTracker tracker(open.state, bindings);
///   auto patch = tracker.on_state(message["state"], row_ids);
///   if (patch.checkpoint) out.checkpoint(patch.patch.dump());
class StateTracker {
 public:
  struct Update {
    bool checkpoint = false;  ///< false: nothing to commit (see warning)
    nlohmann::json patch = nlohmann::json::object();
    std::string warning;  ///< non-empty: log it
  };

  StateTracker(nlohmann::json flow_state, std::vector<StateBinding> bindings);

  /// Translates one AirbyteStateMessage. `row_ids[i]` is binding i's next row id.
  Update on_state(const nlohmann::json& state_message, std::span<const std::uint64_t> row_ids);

  [[nodiscard]] const nlohmann::json& flow_state() const noexcept { return state_; }

 private:
  std::optional<std::size_t> find_binding(const nlohmann::json& descriptor) const;
  void set_form(StateForm form, nlohmann::json& target) const;
  void set_binding_state(std::size_t index,
                         const nlohmann::json* stream_state_entry,
                         std::span<const std::uint64_t> row_ids,
                         nlohmann::json& target) const;

  nlohmann::json state_;
  std::vector<StateBinding> bindings_;
};

}  // namespace flow::airbyte
