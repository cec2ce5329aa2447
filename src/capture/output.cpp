// SPDX-License-Identifier: Apache-2.0
#include <charconv>
#include <cstring>
#include <flow/error.hpp>
#include <thread>
#include <vector>

#include "capture/session.hpp"
#include "core/proto_wire.hpp"

namespace flow::capture {

namespace {

// capture.Response field numbers of the hand-encoded Captured (src/proto/capture.proto).
constexpr std::uint32_t kResponseCaptured = 6;
constexpr std::uint32_t kCapturedBinding = 1;
constexpr std::uint32_t kCapturedDoc = 2;
constexpr std::uint32_t kResponseCheckpoint = 7;

void append_uint(std::string& out, std::uint32_t value) {
  char digits[12];
  const auto result = std::to_chars(std::begin(digits), std::end(digits), value);
  out.append(digits, result.ptr);
}

/// A document or state must be one compact JSON object: a newline inside it would break the
/// line framing the runtime reads, and a non-object is rejected by the runtime.
void require_compact_object(std::string_view json, const char* what) {
  if (json.empty() || json.front() != '{') {
    throw Error(std::string(what) + " must be a JSON object");
  }
  if (std::memchr(json.data(), '\n', json.size()) != nullptr) {
    throw Error(std::string(what) + " must be compact JSON (it contains a newline)");
  }
}

}  // namespace

void Output::check_binding(std::uint32_t binding) const {
  if (binding >= session_.binding_count()) {
    throw Error("binding " + std::to_string(binding) + " is out of range: the capture has " +
                std::to_string(session_.binding_count()) + " binding(s)");
  }
}

void Output::write_captured_line(OutputStream& stream,
                                 std::uint32_t binding,
                                 std::initializer_list<std::string_view> pieces,
                                 std::size_t size) {
  char digits[12];
  const auto end = std::to_chars(std::begin(digits), std::end(digits), binding).ptr;
  const std::string_view binding_text(digits, static_cast<std::size_t>(end - digits));
  if (size >= stream.flush_threshold()) {
    // A huge document: no copy into the buffer, it goes out as it is.
    header_.assign(R"({"captured":{"binding":)").append(binding_text).append(R"(,"doc":)");
    std::vector<std::string_view> message;
    message.reserve(pieces.size() + 2);
    message.emplace_back(header_);
    message.insert(message.end(), pieces.begin(), pieces.end());
    message.emplace_back("}}\n");
    stream.write_direct(message);
    return;
  }
  auto& buffer = stream.buffer();
  buffer.append(R"({"captured":{"binding":)");
  buffer.append(binding_text);
  buffer.append(R"(,"doc":)");
  for (const auto piece : pieces) {
    buffer.append(piece);
  }
  buffer.append("}}\n");
  stream.maybe_flush();
}

void Output::write_captured_frame(OutputStream& stream,
                                  std::uint32_t binding,
                                  std::initializer_list<std::string_view> pieces,
                                  std::size_t size) {
  using namespace flow::detail;  // NOLINT(google-build-using-namespace): proto_wire only
  if (size >= stream.flush_threshold()) {
    header_.clear();
    proto_wire::append_document_frame_head(header_, kResponseCaptured, kCapturedBinding, binding,
                                           kCapturedDoc, size);
    std::vector<std::string_view> message;
    message.reserve(pieces.size() + 1);
    message.emplace_back(header_);
    message.insert(message.end(), pieces.begin(), pieces.end());
    stream.write_direct(message);
    return;
  }
  auto& buffer = stream.buffer();
  proto_wire::append_document_frame_head(buffer, kResponseCaptured, kCapturedBinding, binding,
                                         kCapturedDoc, size);
  for (const auto piece : pieces) {
    buffer.append(piece);
  }
  stream.maybe_flush();
}

void Output::captured(std::uint32_t binding, std::string_view doc_json) {
  captured(binding, {doc_json});
}

void Output::captured(std::uint32_t binding, std::initializer_list<std::string_view> pieces) {
  check_binding(binding);
  std::size_t size = 0;
  for (const auto piece : pieces) {
    if (std::memchr(piece.data(), '\n', piece.size()) != nullptr) {
      throw Error("a captured document must be compact JSON (it contains a newline)");
    }
    size += piece.size();
  }
  if (pieces.size() == 0 || pieces.begin()->empty() || pieces.begin()->front() != '{') {
    throw Error("a captured document must be a JSON object");
  }
  auto& stream = session_.out();
  if (session_.codec() == Codec::protobuf) {
    write_captured_frame(stream, binding, pieces, size);
  } else {
    write_captured_line(stream, binding, pieces, size);
  }
  ++docs_since_checkpoint_;
}

void Output::captured_json(std::uint32_t binding, const nlohmann::json& doc) {
  scratch_ = doc.dump();
  captured(binding, std::string_view(scratch_));
}

void Output::checkpoint(std::string_view state_json, bool merge_patch) {
  require_compact_object(state_json, "checkpoint state");
  if (session_.codec() == Codec::protobuf) {
    // Hand-encoded too: a checkpoint may follow every few documents.
    // checkpoint (7) { state (1) { updated_json (1): raw JSON, merge_patch (2) } }
    using flow::detail::proto_wire::append_tag;
    using flow::detail::proto_wire::append_varint;
    using flow::detail::proto_wire::varint_size;
    namespace wire = flow::detail::proto_wire;
    const std::size_t state =
        1 + varint_size(state_json.size()) + state_json.size() + (merge_patch ? 2 : 0);
    const std::size_t checkpoint = 1 + varint_size(state) + state;
    const std::size_t message = 1 + varint_size(checkpoint) + checkpoint;
    auto& buffer = session_.out().buffer();
    wire::append_frame_length(buffer, static_cast<std::uint32_t>(message));
    append_tag(buffer, kResponseCheckpoint, wire::kLengthDelimited);
    append_varint(buffer, checkpoint);
    append_tag(buffer, 1, wire::kLengthDelimited);
    append_varint(buffer, state);
    append_tag(buffer, 1, wire::kLengthDelimited);
    append_varint(buffer, state_json.size());
    buffer.append(state_json);
    if (merge_patch) {
      append_tag(buffer, 2, wire::kVarint);
      append_varint(buffer, 1);
    }
    session_.out().flush();
    docs_since_checkpoint_ = 0;
    schema_since_checkpoint_ = false;
    ++checkpoints_;
    return;
  }
  auto& buffer = session_.sink().json();
  buffer.append(R"({"checkpoint":{"state":{"updated":)");
  buffer.append(state_json);
  buffer.append(merge_patch ? R"(,"mergePatch":true}}})" : "}}}");
  buffer.push_back('\n');
  session_.sink().commit();
  session_.out().flush();
  docs_since_checkpoint_ = 0;
  schema_since_checkpoint_ = false;
  ++checkpoints_;
}

void Output::checkpoint_json(const nlohmann::json& state, bool merge_patch) {
  scratch_ = state.dump();
  checkpoint(std::string_view(scratch_), merge_patch);
}

void Output::sourced_schema(std::uint32_t binding, const nlohmann::json& schema) {
  check_binding(binding);
  if (!schema.is_object()) {
    throw Error("a sourced schema must be a JSON object");
  }
  auto& buffer = session_.sink().json();
  buffer.append(R"({"sourcedSchema":{"binding":)");
  append_uint(buffer, binding);
  // The proto field name "schema_json" is what every runtime accepts; the json_name has
  // differed between runtime versions (PROTOCOL.md §3.2).
  buffer.append(R"(,"schema_json":)");
  buffer.append(schema.dump());
  buffer.append("}}\n");
  session_.sink().commit();
  session_.out().flush();
  schema_since_checkpoint_ = true;
}

void Output::backfill_begin(std::uint32_t binding, std::string_view state_json, bool merge_patch) {
  backfill_signal("backfillBegin", binding, state_json, merge_patch);
}

void Output::backfill_complete(std::uint32_t binding,
                               std::string_view state_json,
                               bool merge_patch) {
  backfill_signal("backfillComplete", binding, state_json, merge_patch);
}

void Output::backfill_signal(const char* kind,
                             std::uint32_t binding,
                             std::string_view state_json,
                             bool merge_patch) {
  // Every check comes before any output: the runtime fails the session on a backfill signal
  // that shares its checkpoint (estuary/flow capture.proto, Response.BackfillBegin).
  check_binding(binding);
  if (session_.key_begin() != 0) {
    throw Error(std::string(kind) + ": only the shard whose range begins at keyBegin 0 may " +
                "send backfill signals (this shard's keyBegin is " +
                std::to_string(session_.key_begin()) + ")");
  }
  if (docs_since_checkpoint_ != 0 || schema_since_checkpoint_) {
    throw Error(std::string(kind) +
                " must stand alone in its checkpoint (pending since the last checkpoint: " +
                (docs_since_checkpoint_ != 0
                     ? std::to_string(docs_since_checkpoint_) + " captured document(s)"
                     : std::string("a sourced schema")) +
                "); call checkpoint() first");
  }
  require_compact_object(state_json, "checkpoint state");
  auto& buffer = session_.sink().json();
  buffer.append(R"({")").append(kind).append(R"(":{"binding":)");
  append_uint(buffer, binding);
  buffer.append("}}\n");
  session_.sink().commit();
  checkpoint(state_json, merge_patch);
}

bool Output::stopping() const noexcept {
  return session_.stopping();
}

bool Output::wait_for_stop(std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!stopping()) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      return false;
    }
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
        deadline - now, std::chrono::milliseconds(20)));
  }
  return true;
}

}  // namespace flow::capture
