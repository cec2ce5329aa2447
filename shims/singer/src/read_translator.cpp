// SPDX-License-Identifier: Apache-2.0
#include <algorithm>
#include <cctype>
#include <charconv>
#include <common/json_depth.hpp>
#include <flow/error.hpp>
#include <flow/log.hpp>
#include <flow/singer/batch_file.hpp>
#include <flow/singer/read_translator.hpp>
#include <flow/singer/schema.hpp>

namespace flow::singer {

namespace od = simdjson::ondemand;
using nlohmann::json;

namespace {

constexpr std::string_view kRowIdPointer = "/_meta/row_id";

std::string_view trim_right(std::string_view text) {
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' ||
                           text.back() == '\n')) {
    text.remove_suffix(1);
  }
  return text;
}

bool is_blank(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}

void append_int(std::string& out, std::int64_t value) {
  char buffer[24];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
}

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string snippet(std::string_view text) {
  constexpr std::size_t kMax = 120;
  return text.size() <= kMax ? std::string(text) : std::string(text.substr(0, kMax)) + "…";
}

}  // namespace

ReadTranslator::ReadTranslator(std::vector<ReadBinding> bindings,
                               const json& flow_state,
                               ReadOptions options,
                               ReadSink& sink)
    : states_(
          [&] {
            std::vector<StreamStateKey> keys;
            keys.reserve(bindings.size());
            for (const auto& b : bindings) {
              keys.push_back({b.tap_stream_id, b.stream, b.state_key});
            }
            return keys;
          }(),
          flow_state),
      options_(options),
      sink_(sink) {
  const json empty = json::object();
  const json* shim = &empty;
  if (flow_state.is_object()) {
    auto it = flow_state.find(kShimStateKey);
    if (it != flow_state.end() && it->is_object()) {
      shim = &*it;
    }
  }
  streams_.reserve(bindings.size());
  for (std::uint32_t i = 0; i < bindings.size(); ++i) {
    Stream stream(std::move(bindings[i]), options_.max_version_keys);
    stream.keyed_by_row_id = std::find(stream.binding.key.begin(), stream.binding.key.end(),
                                       kRowIdPointer) != stream.binding.key.end();
    auto persisted = shim->find(stream.binding.state_key);
    if (persisted != shim->end() && persisted->is_object()) {
      // A FULL_TABLE sweep re-reads everything, so its row ids start over each session.
      if (stream.binding.replication_method != "FULL_TABLE") {
        stream.next_row_id = persisted->value("rowId", std::int64_t{0});
      }
      stream.schema_digest = persisted->value("schemaDigest", std::string());
      stream.versions.load(*persisted);
    }
    index_.try_emplace(stream.binding.tap_stream_id, i);
    streams_.push_back(std::move(stream));
  }
  // The stream name is accepted where it does not collide with a tap_stream_id.
  for (std::uint32_t i = 0; i < streams_.size(); ++i) {
    index_.try_emplace(streams_[i].binding.stream, i);
  }
}

void ReadTranslator::fail(std::string_view message) const {
  throw flow::Error(where_ + " line " + std::to_string(line_number_) + ": " + std::string(message));
}

std::uint32_t* ReadTranslator::find_stream(std::string_view name) {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &it->second;
}

void ReadTranslator::process(const Line& line) {
  process_line(line, true);
}

void ReadTranslator::process_line(const Line& line, bool inline_validation) {
  line_number_ = line.number;
  if (is_blank(line.text)) {
    return;
  }
  std::optional<bool> record_has_meta;  // set when the record was validated inline
  std::string_view type;
  std::string_view stream;
  std::string_view record;
  std::string_view time_extracted;
  std::optional<std::int64_t> version;
  bool has_type = false;
  bool has_stream = false;
  try {
    od::document doc = parser_.iterate(line.text.data(), line.text.size(), line.capacity);
    od::object object = doc.get_object();
    for (auto field_result : object) {
      simdjson::ondemand::raw_json_string key = field_result.key();
      od::value value = field_result.value();
      if (key == "type") {
        type = value.get_string();
        has_type = true;
      } else if (key == "stream") {
        stream = value.get_string();
        has_stream = true;
      } else if (key == "record") {
        const std::string_view start = value.raw_json_token();
        od::object rec;
        if (value.get_object().get(rec) != simdjson::SUCCESS) {
          fail("RECORD's \"record\" is not a JSON object");
        }
        if (inline_validation) {
          // Validate while reading (the record is parsed once); it ends where the
          // iteration stands after it.
          bool has_meta = false;
          const char* end = nullptr;
          if (!flow::shims::JsonValidator::walk_object(rec, "_meta", has_meta) ||
              doc.current_location().get(end) != simdjson::SUCCESS) {
            process_line(line, false);
            return;
          }
          record = trim_right(
              std::string_view(start.data(), static_cast<std::size_t>(end - start.data())));
          record_has_meta = has_meta;
        } else {
          record = trim_right(rec.raw_json());
        }
      } else if (key == "time_extracted") {
        if (!value.is_null()) {
          time_extracted = trim_right(value.raw_json_token());
          std::string_view text;
          if (value.get_string().get(text) != simdjson::SUCCESS) {
            fail("\"time_extracted\" is not a string");
          }
        }
      } else if (key == "version") {
        if (!value.is_null()) {
          std::int64_t v = 0;
          if (value.get_int64().get(v) != simdjson::SUCCESS) {
            fail("\"version\" is not an integer");
          }
          version = v;
        }
      }
    }
    if (trim_right(line.text).back() != '}') {
      fail("trailing content after the JSON object: " + snippet(line.text));
    }
  } catch (const simdjson::simdjson_error& e) {
    fail(std::string("malformed JSON (") + e.what() + "): " + snippet(line.text));
  }
  if (!has_type) {
    fail("message has no \"type\": " + snippet(line.text));
  }
  if (type != "RECORD") {
    std::string canonical = upper(type);
    if (canonical != "RECORD") {
      process_cold(canonical, line);
      return;
    }
  }
  // RECORD, the hot path.
  if (!has_stream) {
    fail("RECORD has no \"stream\"");
  }
  if (record.empty()) {
    fail("RECORD has no \"record\" object");
  }
  std::uint32_t binding = 0;
  if (has_last_ && stream == last_stream_) {
    binding = last_binding_;
  } else {
    std::uint32_t* found = find_stream(stream);
    if (found == nullptr) {
      if (!options_.skip_unknown_streams) {
        fail("RECORD for stream '" + std::string(stream) + "', which no binding captures");
      }
      ++stats_.skipped_records;
      if (warned_streams_.insert(std::string(stream)).second) {
        flow::log::warn("skipping records of a stream no binding captures",
                        {{"stream", std::string(stream)}, {"line", line_number_}});
      }
      return;
    }
    binding = *found;
    last_stream_.assign(stream);
    last_binding_ = binding;
    has_last_ = true;
  }
  auto offset = static_cast<std::size_t>(record.data() - line.text.data());
  process_record(binding, record, line.capacity - offset, time_extracted, version, record_has_meta);
  ++stats_.records;
}

void ReadTranslator::process_record(std::uint32_t binding,
                                    std::string_view record,
                                    std::size_t record_capacity,
                                    std::string_view time_extracted,
                                    std::optional<std::int64_t> version,
                                    std::optional<bool> record_has_meta) {
  Stream& stream = streams_[binding];
  if (options_.require_schema && !stream.schema_seen) {
    fail("RECORD for stream '" + stream.binding.tap_stream_id + "' before its SCHEMA message");
  }
  bool has_meta = record_has_meta.value_or(false);  // the record's own `_meta` (rare)
  if (!record_has_meta && !validator_.valid_object(record, record_capacity, "_meta", has_meta)) {
    if (!flow::shims::json_depth_within(record)) {
      fail("the record of stream '" + stream.binding.tap_stream_id +
           "' nests arrays or objects deeper than " + std::to_string(flow::shims::kMaxJsonDepth) +
           " levels");
    }
    fail("the record of stream '" + stream.binding.tap_stream_id +
         "' is not valid JSON: " + snippet(record));
  }
  std::int64_t row_id = stream.next_row_id++;
  stream.row_id_dirty = true;

  if (!has_meta) {
    // Splice `_meta` before the record's closing brace.
    scratch_.assign(record.data(), record.size() - 1);
    std::string_view body = trim_right(std::string_view(scratch_).substr(1));
    scratch_.resize(1 + body.size());
    if (!body.empty()) {
      scratch_ += ',';
    }
    scratch_ += R"("_meta":{"op":"u","row_id":)";
    append_int(scratch_, row_id);
    if (!time_extracted.empty()) {
      scratch_ += R"(,"time_extracted":)";
      scratch_ += time_extracted;
    }
    if (version) {
      scratch_ += R"(,"version":)";
      append_int(scratch_, *version);
    }
    scratch_ += "}}";
  } else {
    // The record has its own `_meta` (rare): merge ours into it.
    json doc = json::parse(record.begin(), record.end(), nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) {
      fail("RECORD's \"record\" is not valid JSON");
    }
    json& meta = doc["_meta"];
    if (!meta.is_object()) {
      meta = json::object();
    }
    meta["op"] = "u";
    meta["row_id"] = row_id;
    if (!time_extracted.empty()) {
      meta["time_extracted"] = json::parse(time_extracted, nullptr, false);
    }
    if (version) {
      meta["version"] = *version;
    }
    scratch_ = doc.dump();
  }
  if (version) {
    stream.versions.add(*version, extract_key(stream, record, record_capacity, row_id));
  }
  sink_.captured(binding, scratch_);
}

std::string ReadTranslator::extract_key(const Stream& stream,
                                        std::string_view record,
                                        std::size_t capacity,
                                        std::int64_t row_id) {
  key_scratch_ = "[";
  std::optional<od::document> doc;
  for (std::size_t i = 0; i < stream.binding.key.size(); ++i) {
    const std::string& pointer = stream.binding.key[i];
    if (i > 0) {
      key_scratch_ += ',';
    }
    if (pointer == kRowIdPointer) {
      append_int(key_scratch_, row_id);
      continue;
    }
    if (!doc) {
      doc.emplace();
      if (key_parser_.iterate(record.data(), record.size(), capacity).get(*doc) !=
          simdjson::SUCCESS) {
        fail("cannot parse the record to read its key");
      }
    }
    std::string_view raw;
    auto value = doc->at_pointer(pointer);
    if (value.error() == simdjson::SUCCESS &&
        simdjson::to_json_string(value).get(raw) == simdjson::SUCCESS) {
      key_scratch_ += trim_right(raw);
    } else {
      key_scratch_ += "null";
    }
  }
  key_scratch_ += ']';
  return key_scratch_;
}

std::uint32_t ReadTranslator::binding_of(const json& message, std::string_view type) {
  auto it = message.find("stream");
  if (it == message.end() || !it->is_string()) {
    fail(std::string(type) + " has no \"stream\"");
  }
  const auto& name = it->get_ref<const std::string&>();
  std::uint32_t* found = find_stream(name);
  if (found == nullptr) {
    if (!options_.skip_unknown_streams) {
      fail(std::string(type) + " for stream '" + name + "', which no binding captures");
    }
    if (warned_streams_.insert(name).second) {
      flow::log::warn("skipping messages of a stream no binding captures",
                      {{"stream", name}, {"type", std::string(type)}, {"line", line_number_}});
    }
    return UINT32_MAX;
  }
  return *found;
}

void ReadTranslator::process_cold(std::string_view type, const Line& line) {
  if (type != "SCHEMA" && type != "STATE" && type != "ACTIVATE_VERSION" && type != "BATCH") {
    if (warned_types_.insert(std::string(type)).second) {
      flow::log::warn("skipping Singer messages of an unknown type",
                      {{"type", std::string(type)}, {"line", line_number_}});
    }
    return;
  }
  if (!flow::shims::json_depth_within(line.text)) {
    fail("message nests arrays or objects deeper than " +
         std::to_string(flow::shims::kMaxJsonDepth) + " levels: " + snippet(line.text));
  }
  json message = json::parse(line.text.begin(), line.text.end(), nullptr, false);
  if (message.is_discarded() || !message.is_object()) {
    fail("malformed JSON: " + snippet(line.text));
  }
  if (type == "SCHEMA") {
    on_schema(message);
  } else if (type == "STATE") {
    on_state(message);
  } else if (type == "ACTIVATE_VERSION") {
    on_activate_version(message);
  } else {
    on_batch(message);
  }
}

void ReadTranslator::on_schema(const json& message) {
  std::uint32_t binding = binding_of(message, "SCHEMA");
  if (binding == UINT32_MAX) {
    return;
  }
  auto schema = message.find("schema");
  if (schema == message.end() || !schema->is_object()) {
    fail("SCHEMA for stream '" + streams_[binding].binding.tap_stream_id +
         "' has no \"schema\" object");
  }
  Stream& stream = streams_[binding];
  stream.schema_seen = true;
  json closed = closed_schema(*schema);
  std::string digest = digest_hex(closed.dump());
  if (digest != stream.schema_digest) {
    sink_.sourced_schema(binding, closed);
    stream.schema_digest = std::move(digest);
    stream.schema_dirty = true;
    ++stats_.sourced_schemas;
  }
}

void ReadTranslator::on_state(const json& message) {
  auto value = message.find("value");
  if (value == message.end()) {
    fail("STATE has no \"value\"");
  }
  json patch;
  try {
    patch = states_.patch_for(*value);
  } catch (const flow::Error& e) {
    fail(e.what());
  }
  emit_checkpoint(std::move(patch));
}

void ReadTranslator::on_activate_version(const json& message) {
  std::uint32_t binding = binding_of(message, "ACTIVATE_VERSION");
  if (binding == UINT32_MAX) {
    return;
  }
  auto version = message.find("version");
  if (version == message.end() || !version->is_number_integer()) {
    fail("ACTIVATE_VERSION has no integer \"version\"");
  }
  auto v = version->get<std::int64_t>();
  Stream& stream = streams_[binding];
  if (stream.versions.seen_in_session(v)) {
    activate(binding, v);
  } else {
    // Sent before its records (Meltano taps, and singer-io taps on a first sync): the
    // version is complete only when the tap is done.
    stream.versions.pending_activation = v;
  }
}

void ReadTranslator::activate(std::uint32_t binding, std::int64_t version) {
  Stream& stream = streams_[binding];
  if (stream.versions.pending_activation == version) {
    stream.versions.pending_activation.reset();
  }
  auto result = stream.versions.activate(version);
  if (result.skipped) {
    flow::log::warn("ACTIVATE_VERSION: too many keys to track for this stream; deletions skipped",
                    {{"stream", stream.binding.tap_stream_id},
                     {"version", version},
                     {"maxVersionKeys", options_.max_version_keys}});
    return;
  }
  for (const auto& key : result.deleted_keys) {
    json values = json::parse(key, nullptr, false);
    if (!values.is_array() || values.size() != stream.binding.key.size()) {
      continue;
    }
    json doc = json::object();
    json meta = {{"op", "d"}, {"version", version}};
    for (std::size_t i = 0; i < values.size(); ++i) {
      const std::string& pointer = stream.binding.key[i];
      if (pointer == kRowIdPointer) {
        meta["row_id"] = values[i];
      } else {
        doc[json::json_pointer(pointer)] = values[i];
      }
    }
    if (!meta.contains("row_id")) {
      meta["row_id"] = -1;
    }
    doc["_meta"] = std::move(meta);
    sink_.captured(binding, doc.dump());
    ++stats_.deletions;
  }
  if (!result.deleted_keys.empty()) {
    flow::log::info("ACTIVATE_VERSION: deleted documents of older versions",
                    {{"stream", stream.binding.tap_stream_id},
                     {"version", version},
                     {"deleted", result.deleted_keys.size()}});
  }
}

void ReadTranslator::on_batch(const json& message) {
  std::uint32_t binding = binding_of(message, "BATCH");
  if (binding == UINT32_MAX) {
    return;
  }
  const json& encoding = message.value("encoding", json::object());
  std::string format = encoding.is_object() ? encoding.value("format", "") : "";
  if (format != "jsonl") {
    fail("BATCH encoding format '" + format + "' is not supported (only jsonl)");
  }
  std::string compression =
      encoding.is_object() && encoding.value("compression", json()).is_string()
          ? encoding.value("compression", "")
          : "";
  if (!compression.empty() && compression != "gzip" && compression != "none") {
    fail("BATCH compression '" + compression + "' is not supported (gzip or none)");
  }
  auto manifest = message.find("manifest");
  if (manifest == message.end() || !manifest->is_array()) {
    fail("BATCH has no \"manifest\" array");
  }
  std::optional<std::int64_t> version;
  if (auto v = message.find("version"); v != message.end() && v->is_number_integer()) {
    version = v->get<std::int64_t>();
  }
  std::size_t outer_line = line_number_;
  std::string outer_where = where_;
  for (const auto& uri : *manifest) {
    if (!uri.is_string()) {
      fail("BATCH manifest entry is not a string");
    }
    std::string path;
    std::unique_ptr<BatchFile> file;
    try {
      path = path_from_file_uri(uri.get<std::string>());
      file = std::make_unique<BatchFile>(path);
    } catch (const flow::Error& e) {
      fail(e.what());
    }
    where_ = "BATCH file '" + path + "'";
    while (auto line = file->next()) {
      line_number_ = line->number;
      if (is_blank(line->text)) {
        continue;
      }
      std::string_view record;
      try {
        od::document doc = parser_.iterate(line->text.data(), line->text.size(), line->capacity);
        od::object object;
        if (doc.get_object().get(object) != simdjson::SUCCESS) {
          fail("not a JSON object: " + snippet(line->text));
        }
        record = trim_right(object.raw_json());
        if (trim_right(line->text).back() != '}') {
          fail("trailing content after the JSON object");
        }
      } catch (const simdjson::simdjson_error& e) {
        fail(std::string("malformed JSON (") + e.what() + ")");
      }
      auto offset = static_cast<std::size_t>(record.data() - line->text.data());
      process_record(binding, record, line->capacity - offset, {}, version);
      ++stats_.batch_records;
    }
    where_ = outer_where;
    line_number_ = outer_line;
  }
}

void ReadTranslator::emit_checkpoint(json patch) {
  for (auto& stream : streams_) {
    json counters = json::object();
    if (stream.row_id_dirty) {
      counters["rowId"] = stream.next_row_id;
      stream.row_id_dirty = false;
    }
    if (stream.schema_dirty) {
      counters["schemaDigest"] = stream.schema_digest;
      stream.schema_dirty = false;
    }
    json versions = stream.versions.take_patch();
    for (auto& [name, value] : versions.items()) {
      counters[name] = std::move(value);
    }
    if (!counters.empty()) {
      patch[kShimStateKey][stream.binding.state_key] = std::move(counters);
    }
  }
  sink_.checkpoint(patch);
  ++stats_.checkpoints;
}

void ReadTranslator::finish() {
  where_ = "tap exit";
  for (std::uint32_t i = 0; i < streams_.size(); ++i) {
    if (auto pending = streams_[i].versions.pending_activation) {
      activate(i, *pending);
    }
  }
  emit_checkpoint(json::object());
}

}  // namespace flow::singer
