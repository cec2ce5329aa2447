// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

/// ACTIVATE_VERSION bookkeeping for one binding: the keys seen under each table version, so
/// activating version V can delete the keys older versions had and V does not.
///
/// At most two versions are kept (the one being written and the one before it), and at most
/// `max_keys` keys in all; a version that passes the bound is marked overflowed and its
/// deletions are skipped. The key sets are persisted in the Flow state incrementally (merge
/// patches that add the keys seen since the last checkpoint), so a session that resumes a
/// half-written version does not mistake the first half for deleted rows.
///
/// Example:
///   flow::singer::VersionTracker versions(100000);
///   versions.add(7, R"([1])");
///   auto result = versions.activate(7);   // result.deleted_keys: keys of versions < 7 only
///   patch["versions"] = versions.take_patch();
namespace flow::singer {

class VersionTracker {
 public:
  explicit VersionTracker(std::size_t max_keys = 100000) : max_keys_(max_keys) {}

  /// Restores what take_patch() persisted: {"versions": {"<V>": {"<key>": 1, ...}},
  /// "overflowVersions": {"<V>": true}}.
  void load(const nlohmann::json& persisted);

  /// A record of `version` with `key` (the compact JSON array of its key values).
  void add(std::int64_t version, std::string_view key);

  struct Activation {
    std::vector<std::string> deleted_keys;
    bool skipped = false;  ///< deletions skipped: a version passed the key bound
  };
  /// Activates `version`: returns the keys of older versions missing from it, and forgets
  /// the older versions.
  Activation activate(std::int64_t version);

  /// Whether records of `version` arrived in this session.
  [[nodiscard]] bool seen_in_session(std::int64_t version) const;
  /// Keys held in memory, over all versions.
  [[nodiscard]] std::size_t key_count() const noexcept { return key_count_; }

  /// A merge patch of the persisted form with every change since the last call, or an empty
  /// object.
  nlohmann::json take_patch();

  /// An ACTIVATE_VERSION that came before its records, completed when the tap exits.
  std::optional<std::int64_t> pending_activation;

 private:
  struct Version {
    std::unordered_set<std::string> keys;
    std::vector<std::string> unsaved;
    bool overflow = false;
    bool overflow_unsaved = false;
    bool seen_in_session = false;
  };
  Version& version(std::int64_t v);
  void forget(std::int64_t v);
  void prune(std::optional<std::int64_t> keep = std::nullopt);

  std::size_t max_keys_;
  std::size_t key_count_ = 0;
  std::map<std::int64_t, Version> versions_;
  std::vector<std::int64_t> forgotten_;
};

}  // namespace flow::singer
