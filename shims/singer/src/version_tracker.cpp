// SPDX-License-Identifier: Apache-2.0
#include <algorithm>
#include <flow/singer/version_tracker.hpp>
#include <iterator>
#include <string>

namespace flow::singer {

using nlohmann::json;

namespace {

std::optional<std::int64_t> parse_version(const std::string& text) {
  try {
    std::size_t used = 0;
    long long v = std::stoll(text, &used);
    return used == text.size() ? std::optional<std::int64_t>(v) : std::nullopt;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

void VersionTracker::load(const json& persisted) {
  if (!persisted.is_object()) {
    return;
  }
  if (auto it = persisted.find("versions"); it != persisted.end() && it->is_object()) {
    for (const auto& [name, keys] : it->items()) {
      auto v = parse_version(name);
      if (!v || !keys.is_object()) {
        continue;
      }
      Version& entry = versions_[*v];
      for (const auto& [key, _] : keys.items()) {
        if (entry.keys.insert(key).second) {
          ++key_count_;
        }
      }
    }
  }
  if (auto it = persisted.find("overflowVersions"); it != persisted.end() && it->is_object()) {
    for (const auto& [name, flag] : it->items()) {
      auto v = parse_version(name);
      if (v && flag == true) {
        Version& entry = versions_[*v];
        key_count_ -= entry.keys.size();
        entry.keys.clear();
        entry.overflow = true;
      }
    }
  }
  prune();
}

VersionTracker::Version& VersionTracker::version(std::int64_t v) {
  auto [it, inserted] = versions_.try_emplace(v);
  if (inserted) {
    prune(v);
  }
  return versions_.at(v);
}

void VersionTracker::forget(std::int64_t v) {
  auto it = versions_.find(v);
  if (it == versions_.end()) {
    return;
  }
  key_count_ -= it->second.keys.size();
  versions_.erase(it);
  forgotten_.push_back(v);
}

void VersionTracker::prune(std::optional<std::int64_t> keep) {
  while (versions_.size() > 2) {
    auto oldest = versions_.begin()->first;
    if (keep && oldest == *keep) {
      oldest = std::next(versions_.begin())->first;
    }
    forget(oldest);
  }
}

void VersionTracker::add(std::int64_t v, std::string_view key) {
  if (!versions_.empty() && v < versions_.begin()->first && versions_.size() >= 2) {
    return;  // a straggler of a version already forgotten
  }
  Version& entry = version(v);
  entry.seen_in_session = true;
  if (entry.overflow) {
    return;
  }
  std::string text(key);
  if (entry.keys.count(text) != 0) {
    return;
  }
  if (key_count_ >= max_keys_) {
    key_count_ -= entry.keys.size();
    entry.keys.clear();
    entry.unsaved.clear();
    entry.overflow = true;
    entry.overflow_unsaved = true;
    return;
  }
  entry.unsaved.push_back(text);
  entry.keys.insert(std::move(text));
  ++key_count_;
}

VersionTracker::Activation VersionTracker::activate(std::int64_t v) {
  Activation result;
  Version& current = version(v);
  std::vector<std::int64_t> older;
  for (const auto& [other, _] : versions_) {
    if (other < v) {
      older.push_back(other);
    }
  }
  if (current.overflow) {
    result.skipped = true;
  }
  for (auto other : older) {
    const Version& old = versions_.at(other);
    if (old.overflow) {
      result.skipped = true;
    }
    if (result.skipped) {
      continue;
    }
    for (const auto& key : old.keys) {
      if (current.keys.count(key) == 0) {
        result.deleted_keys.push_back(key);
      }
    }
  }
  if (result.skipped) {
    result.deleted_keys.clear();
  }
  std::sort(result.deleted_keys.begin(), result.deleted_keys.end());
  result.deleted_keys.erase(std::unique(result.deleted_keys.begin(), result.deleted_keys.end()),
                            result.deleted_keys.end());
  for (auto other : older) {
    forget(other);
  }
  return result;
}

bool VersionTracker::seen_in_session(std::int64_t v) const {
  auto it = versions_.find(v);
  return it != versions_.end() && it->second.seen_in_session;
}

json VersionTracker::take_patch() {
  json patch = json::object();
  for (auto v : forgotten_) {
    if (versions_.count(v) == 0) {
      patch["versions"][std::to_string(v)] = nullptr;
      patch["overflowVersions"][std::to_string(v)] = nullptr;
    }
  }
  forgotten_.clear();
  for (auto& [v, entry] : versions_) {
    std::string name = std::to_string(v);
    if (entry.overflow_unsaved) {
      patch["versions"][name] = nullptr;
      patch["overflowVersions"][name] = true;
      entry.overflow_unsaved = false;
    }
    if (!entry.unsaved.empty()) {
      json& keys = patch["versions"][name];
      for (auto& key : entry.unsaved) {
        keys[key] = 1;
      }
      entry.unsaved.clear();
    }
  }
  return patch;
}

}  // namespace flow::singer
