// SPDX-License-Identifier: Apache-2.0
#include <charconv>
#include <common/json_depth.hpp>
#include <common/json_validator.hpp>
#include <cstring>
#include <flow/airbyte/read_translator.hpp>
#include <flow/error.hpp>
#include <flow/log.hpp>
#include <optional>
#include <utility>

namespace flow::airbyte {
namespace {

namespace od = simdjson::ondemand;

constexpr std::size_t kMaxLoggedLine = 2000;
// A scratch buffer grown by one huge document is given back above this size.
constexpr std::size_t kScratchKeep = 16 << 20;

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  return text;
}

void append_number(std::string& out, std::uint64_t value) {
  char buffer[24];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, end);
}

std::string lookup_key(std::string_view ns, std::string_view name) {
  std::string key(ns);
  key += '\0';
  key += name;
  return key;
}

}  // namespace

ReadTranslator::ReadTranslator(std::vector<ReadBinding> bindings,
                               const nlohmann::json& flow_state,
                               ReadSink& sink,
                               ReadEvents* events)
    : bindings_(std::move(bindings)),
      sink_(sink),
      events_(events),
      tracker_(flow_state,
               [&] {
                 std::vector<StateBinding> state_bindings;
                 for (const auto& b : bindings_) {
                   state_bindings.push_back(
                       {b.name, b.ns, b.state_key, b.row_id == RowIdMode::persistent});
                 }
                 return state_bindings;
               }()),
      row_ids_(bindings_.size(), 0) {
  std::unordered_map<std::string, int> name_counts;
  for (const auto& b : bindings_) {
    ++name_counts[b.name];
  }
  for (std::uint32_t i = 0; i < bindings_.size(); ++i) {
    by_ns_and_name_.emplace(lookup_key(bindings_[i].ns, bindings_[i].name), i);
    if (name_counts[bindings_[i].name] == 1) {
      by_unique_name_.emplace(bindings_[i].name, i);
    }
    if (bindings_[i].row_id == RowIdMode::persistent) {
      row_ids_[i] = stored_row_id(flow_state, bindings_[i].state_key);
    }
  }
}

void ReadTranslator::begin_sweep() {
  for (std::size_t i = 0; i < bindings_.size(); ++i) {
    if (bindings_[i].row_id == RowIdMode::per_sweep) {
      row_ids_[i] = 0;
    }
  }
}

void ReadTranslator::end_sweep() {
  sink_.checkpoint("{}");
}

std::optional<std::uint32_t> ReadTranslator::find_binding(std::string_view ns,
                                                          std::string_view name) {
  lookup_scratch_.assign(ns);
  lookup_scratch_ += '\0';
  lookup_scratch_.append(name);
  if (auto found = by_ns_and_name_.find(lookup_scratch_); found != by_ns_and_name_.end()) {
    return found->second;
  }
  // The source named a namespace the resource config left out (or the reverse).
  lookup_scratch_.assign(name);
  if (auto found = by_unique_name_.find(lookup_scratch_); found != by_unique_name_.end()) {
    return found->second;
  }
  return std::nullopt;
}

void ReadTranslator::handle(const flow::Line& line) {
  std::string_view text = trim(line.text);
  if (text.empty()) {
    return;
  }
  if (text.front() == '{') {
    // A huge line gets a parser of its own, so its index memory is freed right after.
    std::optional<od::parser> big_parser;
    od::parser& parser = line.text.size() > kScratchKeep ? big_parser.emplace() : parser_;
    od::document doc;
    std::string_view type;
    if (!parser.iterate(line.text.data(), line.text.size(), line.capacity).get(doc) &&
        !doc["type"].get_string().get(type) && type == "RECORD") {
      if (handle_record(doc, line)) {
        return;
      }
    }
  }
  handle_cold(line);
}

bool ReadTranslator::handle_record(od::document& doc, const flow::Line& line) {
  od::object record;
  if (doc["record"].get_object().get(record)) {
    return false;
  }
  std::string_view stream;
  std::string_view ns;
  std::string_view data;
  bool has_stream = false;
  bool has_data = false;
  bool has_meta = false;  // the record's own top-level `_meta` (rare), however it is escaped
  for (auto field_result : record) {
    od::field field;
    if (std::move(field_result).get(field)) {
      return false;
    }
    od::raw_json_string key = field.key();
    if (key == "stream") {
      if (field.value().get_string().get(stream)) {
        return false;
      }
      has_stream = true;
    } else if (key == "namespace") {
      od::value value = field.value();
      bool is_null = false;
      if (value.is_null().get(is_null)) {
        return false;
      }
      if (!is_null && value.get_string().get(ns)) {
        return false;
      }
    } else if (key == "data") {
      // On-Demand would skip over `data` without checking it: walk it now, while reading
      // the message (one parse), so a corrupt record never reaches the runtime. It ends
      // where the iteration stands after it. On failure the cold path explains the line.
      od::value value = field.value();
      const std::string_view start = value.raw_json_token();
      od::object object;
      const char* end = nullptr;
      if (value.get_object().get(object) ||
          !flow::shims::JsonValidator::walk_object(object, "_meta", has_meta) ||
          doc.current_location().get(end)) {
        return false;
      }
      data = std::string_view(start.data(), static_cast<std::size_t>(end - start.data()));
      has_data = true;
    }
  }
  if (!has_stream || !has_data) {
    return false;  // the cold path explains what is wrong
  }

  auto binding = find_binding(ns, stream);
  if (!binding) {
    ++skipped_;
    std::string label =
        ns.empty() ? std::string(stream) : std::string(ns) + "." + std::string(stream);
    if (warned_streams_.insert(label).second) {
      flow::log::warn("skipping records of a stream that is not bound",
                      {{"stream", label}, {"line", line.number}});
    }
    return true;
  }
  data = trim(data);
  if (has_meta) {
    emit_document_with_upstream_meta(*binding, data);
  } else {
    emit_document(*binding, data);
  }
  return true;
}

void ReadTranslator::emit_document(std::uint32_t binding, std::string_view data) {
  // `data` is a whole object, "{…}": splice `_meta` in before its closing brace. The record
  // itself is passed on as it is (no copy); only the small `_meta` tail is built here.
  std::string_view body = data.substr(0, data.size() - 1);
  const bool empty = trim(body.substr(1)).empty();
  doc_scratch_.assign(empty ? R"("_meta":{"op":"u")" : R"(,"_meta":{"op":"u")");
  if (bindings_[binding].row_id != RowIdMode::none) {
    doc_scratch_ += R"(,"row_id":)";
    append_number(doc_scratch_, row_ids_[binding]++);
  }
  doc_scratch_ += "}}";
  sink_.captured_spliced(binding, body, doc_scratch_);
  ++records_;
}

void ReadTranslator::emit_document_with_upstream_meta(std::uint32_t binding,
                                                      std::string_view data) {
  emit_json_document(binding, nlohmann::json::parse(data));
}

void ReadTranslator::emit_json_document(std::uint32_t binding, nlohmann::json doc) {
  // Slow path: the source's document has its own top-level `_meta` (its fields are kept;
  // ours, op and row_id, win), or the message was laid out unusually.
  auto& meta = doc["_meta"];
  if (!meta.is_object()) {
    meta = nlohmann::json{{"upstream", meta}};
  }
  meta["op"] = "u";
  if (bindings_[binding].row_id != RowIdMode::none) {
    meta["row_id"] = row_ids_[binding]++;
  }
  sink_.captured(binding, doc.dump());
  ++records_;
}

void ReadTranslator::handle_cold_record(const nlohmann::json& record, const flow::Line& line) {
  auto stream = record.is_object() ? record.find("stream") : record.end();
  auto data = record.is_object() ? record.find("data") : record.end();
  if (!record.is_object() || stream == record.end() || !stream->is_string() ||
      data == record.end() || !data->is_object()) {
    ++skipped_;
    flow::log::warn("ignoring a malformed RECORD (it needs a string `stream` and an object `data`)",
                    {{"line", line.number}});
    return;
  }
  auto ns = record.find("namespace");
  const std::string ns_text = ns != record.end() && ns->is_string() ? ns->get<std::string>() : "";
  auto binding = find_binding(ns_text, stream->get<std::string>());
  if (!binding) {
    ++skipped_;
    std::string label =
        ns_text.empty() ? stream->get<std::string>() : ns_text + "." + stream->get<std::string>();
    if (warned_streams_.insert(label).second) {
      flow::log::warn("skipping records of a stream that is not bound",
                      {{"stream", label}, {"line", line.number}});
    }
    return;
  }
  emit_json_document(*binding, *data);
}

void ReadTranslator::warn_non_json(const flow::Line& line, std::string_view why) {
  if (!line.terminated) {
    throw flow::Error("child stdout ended in the middle of a message (line " +
                      std::to_string(line.number) + ", " + std::to_string(line.text.size()) +
                      " bytes without a newline)");
  }
  std::string_view shown = line.text.substr(0, kMaxLoggedLine);
  flow::log::warn(std::string(why) + ": " + std::string(shown),
                  {{"source", "child stdout"}, {"line", line.number}});
}

void ReadTranslator::handle_cold(const flow::Line& line) {
  if (!flow::shims::json_depth_within(line.text)) {
    warn_non_json(line,
                  "ignoring a line of the child's stdout that nests arrays or objects "
                  "deeper than " +
                      std::to_string(flow::shims::kMaxJsonDepth) + " levels");
    return;
  }
  nlohmann::json message = nlohmann::json::parse(line.text, nullptr, false);
  if (message.is_discarded() || !message.is_object()) {
    warn_non_json(line, "ignoring a line of the child's stdout that is not an Airbyte message");
    return;
  }
  try {
    handle_cold_message(message, line);
  } catch (const nlohmann::json::exception& e) {
    // A field of the wrong type (a string `control`, a numeric `type`, ...): the message is
    // malformed, so it is skipped and logged like a line that is not JSON at all.
    warn_non_json(line, std::string("ignoring a malformed Airbyte message (") + e.what() + ")");
  }
}

void ReadTranslator::handle_cold_message(const nlohmann::json& message, const flow::Line& line) {
  auto type_it = message.find("type");
  const std::string type =
      type_it != message.end() && type_it->is_string() ? type_it->get<std::string>() : "";
  if (type == "RECORD") {
    handle_cold_record(message.value("record", nlohmann::json()), line);
  } else if (type == "STATE") {
    handle_state(message.value("state", nlohmann::json()));
  } else if (type == "LOG") {
    auto entry = map_log(message.value("log", nlohmann::json::object()));
    if (entry.level == flow::log::Level::error) {
      last_error_ = ChildError{entry.message, ""};
    }
    write_entries({entry});
  } else if (type == "TRACE") {
    const auto trace = message.value("trace", nlohmann::json::object());
    if (auto error = trace_error(trace)) {
      last_error_ = std::move(error);
    }
    write_entries(map_trace(trace));
  } else if (type == "CONTROL") {
    const auto control = message.value("control", nlohmann::json::object());
    const auto control_type = control.value("type", std::string());
    const auto config = control.value("connectorConfig", nlohmann::json::object());
    if (control_type == "CONNECTOR_CONFIG" && config.contains("config") &&
        config["config"].is_object()) {
      if (events_ != nullptr) {
        events_->on_config_update(config["config"]);
      }
    } else {
      flow::log::warn("ignoring a CONTROL message of unknown type, or without a config",
                      {{"controlType", control_type}, {"line", line.number}});
    }
  } else if (type == "SPEC" || type == "CATALOG" || type == "CONNECTION_STATUS" ||
             type == "DESTINATION_CATALOG") {
    flow::log::warn("ignoring an unexpected " + type + " message during read",
                    {{"line", line.number}});
  } else {
    flow::log::warn("ignoring an Airbyte message of unknown type '" + type + "'",
                    {{"line", line.number}});
  }
}

void ReadTranslator::handle_state(const nlohmann::json& state) {
  auto update = tracker_.on_state(state, row_ids_);
  // Some CDKs send state for pseudo-streams with every status message: say it once.
  if (!update.warning.empty() && warned_states_.insert(update.warning).second) {
    flow::log::warn(update.warning);
  }
  if (update.checkpoint) {
    ++states_;
    sink_.checkpoint(update.patch.dump());
  }
  if (state.is_object() && state.contains("sourceStats")) {
    flow::log::debug("source stats", {{"sourceStats", state["sourceStats"]}});
  }
}

}  // namespace flow::airbyte
