// SPDX-License-Identifier: Apache-2.0
#include <flow/airbyte/state_translation.hpp>
#include <utility>

namespace flow::airbyte {
namespace {

constexpr const char* kTypeKey = "airbyteStateType";
constexpr const char* kBindingsKey = "bindingStateV1";
constexpr const char* kGlobalKey = "airbyteGlobal";
constexpr const char* kLegacyKey = "airbyteLegacy";

const nlohmann::json* find(const nlohmann::json& object, const std::string& key) {
  if (!object.is_object()) {
    return nullptr;
  }
  auto found = object.find(key);
  return found == object.end() ? nullptr : &*found;
}

// The stored AirbyteStreamState of a binding ({stream_descriptor, stream_state}), or null.
const nlohmann::json* stored_stream_entry(const nlohmann::json& flow_state,
                                          const std::string& state_key) {
  const auto* bindings = find(flow_state, kBindingsKey);
  const auto* entry = bindings ? find(*bindings, state_key) : nullptr;
  if (entry == nullptr) {
    return nullptr;
  }
  if (const auto* stream = find(*entry, "stream"); stream && stream->is_object()) {
    return stream;
  }
  // Estuary's Python shim stored the whole STREAM message under "state".
  if (const auto* message = find(*entry, "state"); message && message->is_object()) {
    if (const auto* stream = find(*message, "stream"); stream && stream->is_object()) {
      return stream;
    }
  }
  return nullptr;
}

nlohmann::json descriptor(const StateBinding& binding) {
  nlohmann::json d = {{"name", binding.name}};
  if (!binding.ns.empty()) {
    d["namespace"] = binding.ns;
  }
  return d;
}

const char* form_name(StateForm form) {
  switch (form) {
    case StateForm::stream:
      return "STREAM";
    case StateForm::global:
      return "GLOBAL";
    case StateForm::legacy:
      return "LEGACY";
    case StateForm::none:
      break;
  }
  return "";
}

}  // namespace

StateForm stored_state_form(const nlohmann::json& flow_state) {
  if (const auto* type = find(flow_state, kTypeKey); type && type->is_string()) {
    const auto& name = type->get_ref<const std::string&>();
    if (name == "STREAM") {
      return StateForm::stream;
    }
    if (name == "GLOBAL") {
      return StateForm::global;
    }
    if (name == "LEGACY") {
      return StateForm::legacy;
    }
  }
  // Estuary's Python shim only ever stored STREAM state, with no type marker.
  if (const auto* bindings = find(flow_state, kBindingsKey); bindings && bindings->is_object()) {
    for (const auto& [key, entry] : bindings->items()) {
      if (stored_stream_entry(flow_state, key) != nullptr) {
        return StateForm::stream;
      }
    }
  }
  return StateForm::none;
}

std::optional<nlohmann::json> airbyte_state_input(const nlohmann::json& flow_state,
                                                  const std::vector<StateBinding>& bindings) {
  switch (stored_state_form(flow_state)) {
    case StateForm::none:
      return std::nullopt;
    case StateForm::legacy: {
      const auto* data = find(flow_state, kLegacyKey);
      if (data == nullptr) {
        return std::nullopt;
      }
      return *data;
    }
    case StateForm::stream: {
      nlohmann::json messages = nlohmann::json::array();
      for (const auto& binding : bindings) {
        if (const auto* entry = stored_stream_entry(flow_state, binding.state_key)) {
          messages.push_back(
              {{"type", "STREAM"},
               {"stream",
                {{"stream_descriptor", descriptor(binding)},
                 {"stream_state", entry->value("stream_state", nlohmann::json::object())}}}});
        }
      }
      if (messages.empty()) {
        return std::nullopt;
      }
      return messages;
    }
    case StateForm::global: {
      nlohmann::json stream_states = nlohmann::json::array();
      for (const auto& binding : bindings) {
        if (const auto* entry = stored_stream_entry(flow_state, binding.state_key)) {
          stream_states.push_back(
              {{"stream_descriptor", descriptor(binding)},
               {"stream_state", entry->value("stream_state", nlohmann::json::object())}});
        }
      }
      nlohmann::json global = {{"stream_states", stream_states}};
      if (const auto* shared = find(flow_state, kGlobalKey)) {
        if (const auto* shared_state = find(*shared, "shared_state")) {
          global["shared_state"] = *shared_state;
        }
      }
      return nlohmann::json::array({{{"type", "GLOBAL"}, {"global", global}}});
    }
  }
  return std::nullopt;
}

std::uint64_t stored_row_id(const nlohmann::json& flow_state, std::string_view state_key) {
  const auto* bindings = find(flow_state, kBindingsKey);
  const auto* entry = bindings ? find(*bindings, std::string(state_key)) : nullptr;
  const auto* row_id = entry ? find(*entry, "rowId") : nullptr;
  return row_id && row_id->is_number_unsigned() ? row_id->get<std::uint64_t>() : 0;
}

nlohmann::json merge_patch_diff(const nlohmann::json& from, const nlohmann::json& to) {
  if (!from.is_object() || !to.is_object()) {
    return to;
  }
  nlohmann::json patch = nlohmann::json::object();
  for (const auto& [key, value] : from.items()) {
    if (!to.contains(key)) {
      patch[key] = nullptr;
    }
  }
  for (const auto& [key, value] : to.items()) {
    if (value.is_null()) {
      if (from.contains(key)) {
        patch[key] = nullptr;
      }
      continue;
    }
    auto old = from.find(key);
    if (old == from.end()) {
      patch[key] = value;
    } else if (*old != value) {
      patch[key] = merge_patch_diff(*old, value);
    }
  }
  return patch;
}

StateTracker::StateTracker(nlohmann::json flow_state, std::vector<StateBinding> bindings)
    : state_(flow_state.is_object() ? std::move(flow_state) : nlohmann::json::object()),
      bindings_(std::move(bindings)) {}

std::optional<std::size_t> StateTracker::find_binding(const nlohmann::json& d) const {
  if (!d.is_object()) {
    return std::nullopt;
  }
  const std::string name = d.value("name", std::string());
  const auto ns_value = d.find("namespace");
  const std::string ns =
      ns_value != d.end() && ns_value->is_string() ? ns_value->get<std::string>() : "";
  for (std::size_t i = 0; i < bindings_.size(); ++i) {
    if (bindings_[i].name == name && bindings_[i].ns == ns) {
      return i;
    }
  }
  // A source may name a namespace the resource config left out, or the other way round.
  std::optional<std::size_t> by_name;
  for (std::size_t i = 0; i < bindings_.size(); ++i) {
    if (bindings_[i].name == name) {
      if (by_name) {
        return std::nullopt;  // ambiguous
      }
      by_name = i;
    }
  }
  return by_name;
}

void StateTracker::set_form(StateForm form, nlohmann::json& target) const {
  target[kTypeKey] = form_name(form);
  if (form != StateForm::global) {
    target.erase(kGlobalKey);
  }
  if (form != StateForm::legacy) {
    target.erase(kLegacyKey);
  }
}

void StateTracker::set_binding_state(std::size_t index,
                                     const nlohmann::json* stream_state_entry,
                                     std::span<const std::uint64_t> row_ids,
                                     nlohmann::json& target) const {
  const auto& binding = bindings_[index];
  if (stream_state_entry == nullptr && !binding.persist_row_id) {
    return;
  }
  auto& entry = target[kBindingsKey][binding.state_key];
  if (!entry.is_object()) {
    entry = nlohmann::json::object();
  }
  if (stream_state_entry != nullptr) {
    entry.erase("state");  // Estuary's Python-shim layout, superseded
    entry["stream"] = {
        {"stream_descriptor", descriptor(binding)},
        {"stream_state", stream_state_entry->value("stream_state", nlohmann::json::object())}};
  }
  if (binding.persist_row_id && index < row_ids.size()) {
    entry["rowId"] = row_ids[index];
  }
}

StateTracker::Update StateTracker::on_state(const nlohmann::json& message,
                                            std::span<const std::uint64_t> row_ids) {
  Update update;
  if (!message.is_object()) {
    update.warning = "ignoring a STATE message that is not an object";
    return update;
  }
  const std::string type = message.value("type", std::string("LEGACY"));
  nlohmann::json next = state_;

  if (type == "STREAM") {
    const auto* stream = find(message, "stream");
    const auto* d = stream ? find(*stream, "stream_descriptor") : nullptr;
    auto index = d ? find_binding(*d) : std::nullopt;
    if (!index) {
      update.warning = "ignoring STREAM state for a stream that is not bound: " +
                       (d ? d->dump() : std::string("(no stream_descriptor)"));
      return update;
    }
    set_form(StateForm::stream, next);
    set_binding_state(*index, stream, row_ids, next);
  } else if (type == "GLOBAL") {
    const auto* global = find(message, "global");
    if (global == nullptr || !global->is_object()) {
      update.warning = "ignoring a GLOBAL state message without `global`";
      return update;
    }
    set_form(StateForm::global, next);
    nlohmann::json shared = nlohmann::json::object();
    if (const auto* shared_state = find(*global, "shared_state"); shared_state) {
      shared["shared_state"] = *shared_state;
    }
    next[kGlobalKey] = shared;
    std::vector<bool> seen(bindings_.size(), false);
    if (const auto* states = find(*global, "stream_states"); states && states->is_array()) {
      for (const auto& entry : *states) {
        auto index = find_binding(entry.value("stream_descriptor", nlohmann::json()));
        if (index) {
          seen[*index] = true;
          set_binding_state(*index, &entry, row_ids, next);
        }
      }
    }
    for (std::size_t i = 0; i < bindings_.size(); ++i) {
      if (!seen[i]) {
        set_binding_state(i, nullptr, row_ids, next);
      }
    }
  } else if (type == "LEGACY") {
    set_form(StateForm::legacy, next);
    next[kLegacyKey] = message.value("data", nlohmann::json::object());
    for (std::size_t i = 0; i < bindings_.size(); ++i) {
      set_binding_state(i, nullptr, row_ids, next);
    }
  } else {
    update.warning = "ignoring a STATE message of unknown type '" + type + "'";
    return update;
  }

  update.patch = merge_patch_diff(state_, next);
  state_.merge_patch(update.patch);  // mirror exactly what Flow will hold
  update.checkpoint = true;
  return update;
}

}  // namespace flow::airbyte
