// SPDX-License-Identifier: Apache-2.0
#include <flow/error.hpp>
#include <flow/singer/state.hpp>

namespace flow::singer {

using nlohmann::json;

namespace {

// What a merge-patched state can hold: members whose value is null are absent.
json drop_nulls(json value) {
  if (value.is_object()) {
    for (auto it = value.begin(); it != value.end();) {
      if (it->is_null()) {
        it = value.erase(it);
      } else {
        *it = drop_nulls(std::move(*it));
        ++it;
      }
    }
  }
  return value;
}

}  // namespace

json merge_diff(const json& before, const json& after) {
  if (!before.is_object() || !after.is_object()) {
    return after;
  }
  json patch = json::object();
  for (const auto& [name, value] : before.items()) {
    if (!after.contains(name)) {
      patch[name] = nullptr;
    }
  }
  for (const auto& [name, value] : after.items()) {
    auto old = before.find(name);
    if (old == before.end()) {
      patch[name] = value;
    } else if (*old != value) {
      patch[name] = merge_diff(*old, value);
    }
  }
  return patch;
}

StateTranslator::StateTranslator(std::vector<StreamStateKey> streams, const json& flow_state)
    : streams_(std::move(streams)), bookmarks_(streams_.size()) {
  const json empty = json::object();
  const json& stored = flow_state.is_object() ? flow_state : empty;
  auto bindings = stored.find(kBindingStateKey);
  for (std::size_t i = 0; i < streams_.size(); ++i) {
    if (bindings == stored.end() || !bindings->is_object()) {
      break;
    }
    auto it = bindings->find(streams_[i].state_key);
    if (it != bindings->end() && !it->is_null()) {
      bookmarks_[i] = *it;
    }
  }
  auto shared = stored.find(kSharedStateKey);
  if (shared != stored.end() && shared->is_object()) {
    shared_ = *shared;
  }
}

json StateTranslator::tap_state() const {
  json state = shared_;
  state.erase("bookmarks");
  json bookmarks = json::object();
  for (std::size_t i = 0; i < streams_.size(); ++i) {
    if (bookmarks_[i].is_null()) {
      continue;
    }
    json bookmark = bookmarks_[i];
    if (bookmark.is_object()) {
      bookmark.erase(kLegacyRowCounterKey);
    }
    bookmarks[streams_[i].tap_stream_id] = std::move(bookmark);
  }
  if (!bookmarks.empty()) {
    state["bookmarks"] = std::move(bookmarks);
  }
  return state;
}

json StateTranslator::patch_for(const json& tap_state_value) {
  if (!tap_state_value.is_object()) {
    throw flow::Error("STATE value is not a JSON object: " + tap_state_value.dump().substr(0, 200));
  }
  json patch = json::object();
  const json no_bookmarks = json::object();
  auto found = tap_state_value.find("bookmarks");
  const json& bookmarks =
      found != tap_state_value.end() && found->is_object() ? *found : no_bookmarks;

  for (std::size_t i = 0; i < streams_.size(); ++i) {
    const auto& stream = streams_[i];
    auto it = bookmarks.find(stream.tap_stream_id);
    if (it == bookmarks.end() && stream.stream != stream.tap_stream_id) {
      it = bookmarks.find(stream.stream);
    }
    json next = it != bookmarks.end() ? drop_nulls(*it) : json();
    if (next == bookmarks_[i]) {
      continue;
    }
    patch[kBindingStateKey][stream.state_key] =
        bookmarks_[i].is_null() || next.is_null() ? next : merge_diff(bookmarks_[i], next);
    bookmarks_[i] = next;
  }

  json shared = drop_nulls(tap_state_value);
  shared.erase("bookmarks");
  if (shared != shared_) {
    patch[kSharedStateKey] = merge_diff(shared_, shared);
    shared_ = std::move(shared);
  }
  return patch;
}

}  // namespace flow::singer
