// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

/// Singer state ↔ Flow state. The Flow state of a Singer capture is
///   {"bindingStateV1": {<stateKey>: <the tap's bookmark for that binding's stream>},
///    "sharedState":    {<the tap's top-level keys other than "bookmarks">},
///    "shimStateV1":    {<stateKey>: <the shim's own counters (row ids, versions)>}}
/// so a re-backfilled binding (new stateKey) starts over, the tap never sees our counters,
/// and keys such as `currently_syncing` survive restarts.
///
/// Example:
///   flow::singer::StateTranslator states({{"orders", "orders", "orders.v1"}}, open.state);
///   write_file("state.json", states.tap_state().dump());
///   out.checkpoint(states.patch_for(state_message["value"]));   // merge patch
namespace flow::singer {

inline constexpr const char* kBindingStateKey = "bindingStateV1";
inline constexpr const char* kSharedStateKey = "sharedState";
inline constexpr const char* kShimStateKey = "shimStateV1";
/// The row counter Estuary's legacy Singer shim kept inside the tap's bookmarks; removed
/// when handing such a state back to the tap.
inline constexpr const char* kLegacyRowCounterKey = "estuary.dev/rowCounter";

/// Where one binding's bookmark lives in each state.
struct StreamStateKey {
  std::string tap_stream_id;  ///< key under the tap's "bookmarks"
  std::string stream;         ///< the stream name, accepted as a bookmark key too
  std::string state_key;      ///< key under bindingStateV1
};

/// An RFC 7396 merge patch that turns `before` into `after` (null for removed members,
/// recursion into objects, whole values otherwise). Members whose value is null in `after`
/// cannot be expressed and come out as removals.
nlohmann::json merge_diff(const nlohmann::json& before, const nlohmann::json& after);

/// Tracks the tap's bookmarks and shared state across STATE messages.
class StateTranslator {
 public:
  StateTranslator(std::vector<StreamStateKey> streams, const nlohmann::json& flow_state);

  /// The state to hand the tap with --state: {"bookmarks": {tap_stream_id: bookmark}, shared
  /// keys...}. Empty object when nothing was stored.
  [[nodiscard]] nlohmann::json tap_state() const;

  /// A merge patch of the Flow state for one STATE message's `value`: the bookmarks of the
  /// bindings whose bookmark changed and the shared keys that changed; `{}` when nothing did.
  /// Bookmarks of streams that are not bound are dropped. Throws flow::Error when `value` is
  /// not an object.
  nlohmann::json patch_for(const nlohmann::json& tap_state_value);

 private:
  std::vector<StreamStateKey> streams_;
  std::vector<nlohmann::json> bookmarks_;  // per stream; null = none
  nlohmann::json shared_ = nlohmann::json::object();
};

}  // namespace flow::singer
