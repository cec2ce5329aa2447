// SPDX-License-Identifier: Apache-2.0
#include "derive/session.hpp"

#include <cstring>
#include <flow/error.hpp>
#include <flow/log.hpp>
#include <flow/tuple.hpp>
#include <string>
#include <utility>

#include "core/proto_wire.hpp"
#include "core/stop_signal.hpp"
#include "derive/request_decode.hpp"
#include "derive/response_encode.hpp"

namespace flow::derive {

using detail::RequestKind;
using detail::ResponseKind;
namespace od = simdjson::ondemand;

// derive.Response field numbers of the hand-encoded Published (src/proto/derive.proto).
constexpr std::uint32_t kResponsePublished = 4;
constexpr std::uint32_t kPublishedDoc = 1;
// derive.Request field number of the hot request (src/proto/derive.proto).
constexpr std::uint32_t kRequestRead = 4;

// ---- Connector defaults ------------------------------------------------------------------

void Connector::open(const Open& /*request*/) {}
void Connector::flush(Publisher& /*out*/) {}
std::optional<ConnectorState> Connector::start_commit() {
  return std::nullopt;
}
void Connector::reset() {}

// ---- Publisher ---------------------------------------------------------------------------

void Publisher::publish(std::string_view doc_json) {
  session_.publish(doc_json);
  ++published_;
}

void Publisher::publish(const nlohmann::json& doc) {
  scratch_ = doc.dump();
  publish(std::string_view(scratch_));
}

// ---- Session -----------------------------------------------------------------------------

Session::Session(Connector& connector, int in_fd, int out_fd, const ServeOptions& options)
    : connector_(connector),
      options_(options),
      source_(in_fd, options.codec, request_message_, kRequestRead, 0, options.buffers.read_block),
      out_(out_fd, options.buffers.flush_threshold),
      sink_(out_, options.codec, response_message_),
      state_(options.state_delivery),
      publisher_(*this) {}

int Session::run() {
  // SIGTERM/SIGINT (run() installs the handlers) end a blocked read.
  source_.set_cancel([] { return flow::detail::stop_requested(); });
  while (!flow::detail::stop_requested()) {
    const auto incoming = source_.next();
    if (!incoming) {
      break;
    }
    Decoded decoded;
    if (incoming->hot && decode_hot_message(decoded, *incoming->hot, incoming->line.number)) {
      current_line_ = incoming->line.number;
      const auto step = state_.on_request(decoded.kind, current_line_);
      if (step.skipped_start_commit) {
        on_skipped_start_commit(incoming->line);
      }
      dispatch(decoded, incoming->line);
      continue;
    }
    const std::optional<Line> line = incoming->protobuf ? source_.json_line() : incoming->line;
    current_line_ = line->number;
    if (line->text.empty()) {
      throw ProtocolError(line->number, "empty line (requests are one JSON object per line)");
    }
    // Decode first, act after: On-Demand validates the rest of the line (a second variant
    // key, trailing garbage) only once the body was visited, and nothing may happen for a
    // line that turns out to be malformed.
    parser_.parse(*line, [&](std::string_view key, od::value body) {
      const auto kind = detail::request_kind(key);
      if (!kind) {
        throw ProtocolError(line->number, "unknown request '" + std::string(key) + "'");
      }
      decoded.kind = *kind;
      decode(*kind, body, decoded);
    });
    const auto step = state_.on_request(decoded.kind, line->number);
    if (step.skipped_start_commit) {
      on_skipped_start_commit(*line);
    }
    dispatch(decoded, *line);
  }
  if (source_.cancelled() || flow::detail::stop_requested()) {
    // Nothing of an unfinished transaction was committed: the runtime replays it.
    log::info("stop requested by signal; exiting");
    return 0;
  }
  if (state_.on_eof() == detail::EofOutcome::kAbandonedTransaction) {
    // Published documents still buffered belong to a transaction that will never commit.
    log::warn("input ended inside a transaction; it was not committed and is discarded",
              {{"line", source_.count()}});
  } else {
    out_.flush();
  }
  log::debug("derive session ended", {{"lines", source_.count()}});
  return 0;
}

bool Session::decode_hot_message(Decoded& decoded,
                                 const flow::detail::proto_reader::Field& hot,
                                 std::size_t number) {
  namespace pr = flow::detail::proto_reader;
  std::string_view doc;
  bool has_doc = false;
  std::string_view key_json;
  std::string_view packed;
  decoded.kind = RequestKind::kRead;
  try {
    pr::Reader reader(hot.bytes);
    while (auto field = reader.next()) {
      switch (field->number) {
        case 1:
          decoded.read.transform = pr::as_u32(*field, "transform");
          break;
        case 2: {  // uuid { node: fixed64 = 1, clock: fixed64 = 2 }
          pr::Reader uuid(pr::as_bytes(*field, "uuid"));
          while (auto part = uuid.next()) {
            if (part->number == 1) {
              decoded.read.uuid.node = pr::as_fixed64(*part, "uuid.node");
            } else if (part->number == 2) {
              decoded.read.uuid.clock = pr::as_fixed64(*part, "uuid.clock");
            }
          }
          break;
        }
        case 3: {  // shuffle { key_json = 1, packed = 2, hash: uint32 = 3 }
          pr::Reader shuffle(pr::as_bytes(*field, "shuffle"));
          while (auto part = shuffle.next()) {
            if (part->number == 1) {
              key_json = pr::as_bytes(*part, "shuffle.key");
            } else if (part->number == 2) {
              packed = pr::as_bytes(*part, "shuffle.packed");
            } else if (part->number == 3) {
              decoded.read.shuffle_hash = pr::as_u32(*part, "shuffle.hash");
            }
          }
          break;
        }
        case 4:
          doc = pr::as_bytes(*field, "doc");
          has_doc = true;
          break;
        default:
          break;  // a newer runtime's field
      }
    }
  } catch (const Error& e) {
    throw ProtocolError(number, std::string("malformed request: read: ") + e.what());
  }
  if (!has_doc || doc.empty()) {
    return false;  // the JSON path reports the missing document, as for the JSON codec
  }
  // A view into the frame: FrameReader keeps simdjson's padding after its data, which
  // Read::doc promises.
  decoded.read.doc = doc;
  if (!key_json.empty()) {
    decoded.read.shuffle_key = key_json;
  } else if (!packed.empty()) {
    try {
      detail::set_shuffle_key_from_packed(decoded.read, packed, shuffle_key_.json);
    } catch (const flow::detail::DecodeError& e) {
      throw ProtocolError(number, std::string("malformed request: ") + e.what());
    }
  }
  return true;
}

void Session::decode(RequestKind kind, od::value body, Decoded& decoded) {
  switch (kind) {
    case RequestKind::kRead:
      decoded.read = detail::decode_read(body, shuffle_key_);
      return;
    case RequestKind::kSpec:
      decoded.spec = detail::decode_spec(body);
      return;
    case RequestKind::kValidate:
      decoded.validate = detail::decode_validate(body);
      return;
    case RequestKind::kOpen:
      decoded.open = detail::decode_open(body);
      return;
    case RequestKind::kFlush:        // statePatches (V2, multi-shard) are not used by this SDK
    case RequestKind::kStartCommit:  // runtimeCheckpoint is advisory: ignored
    case RequestKind::kReset:
      return;
  }
}

void Session::dispatch(const Decoded& decoded, const Line& line) {
  switch (decoded.kind) {
    case RequestKind::kRead:
      if (decoded.read.transform >= transforms_) {
        throw ProtocolError(line.number, "read.transform " +
                                             std::to_string(decoded.read.transform) +
                                             " is out of range: the derivation has " +
                                             std::to_string(transforms_) + " transforms");
      }
      connector_.read(decoded.read, publisher_);
      return;
    case RequestKind::kFlush:
      handle_flush(line);
      return;
    case RequestKind::kStartCommit:
      handle_start_commit(line);
      return;
    case RequestKind::kSpec: {
      const Spec spec = connector_.spec(*decoded.spec);
      state_.on_response(ResponseKind::kSpec, line.number);
      detail::encode_spec(sink_.json(), spec);
      sink_.commit();
      send_control();
      return;
    }
    case RequestKind::kValidate: {
      const Validate& request = *decoded.validate;
      const Validated validated = connector_.validate(request);
      if (validated.transforms.size() != request.transforms.size()) {
        throw Error("validate() returned " + std::to_string(validated.transforms.size()) +
                    " transforms for the " + std::to_string(request.transforms.size()) +
                    " of the request (it must return one per transform, in order)");
      }
      state_.on_response(ResponseKind::kValidated, line.number);
      detail::encode_validated(sink_.json(), validated);
      sink_.commit();
      send_control();
      return;
    }
    case RequestKind::kOpen: {
      const Open& open = *decoded.open;
      transforms_ = open.derivation.transforms.size();
      connector_.open(open);
      state_.on_response(ResponseKind::kOpened, line.number);
      detail::encode_opened(sink_.json());
      sink_.commit();
      send_control();
      log::debug("derivation opened",
                 {{"collection", open.collection.name}, {"transforms", transforms_}});
      return;
    }
    case RequestKind::kReset:
      connector_.reset();  // no response: the protocol has no variant for it
      return;
  }
}

void Session::handle_flush(const Line& line) {
  connector_.flush(publisher_);
  std::optional<ConnectorState> state;
  if (state_.delivery() == StateDelivery::kFlushed) {
    state = take_state_update();
  }
  state_.on_response(ResponseKind::kFlushed, line.number);
  detail::encode_flushed(sink_.json(), state);
  sink_.commit();
  send_control();
  publisher_.published_ = 0;
}

void Session::handle_start_commit(const Line& line) {
  std::optional<ConnectorState> state;
  if (state_.delivery() == StateDelivery::kStartedCommit) {
    state = take_state_update();
  }
  state_.on_response(ResponseKind::kStartedCommit, line.number);
  detail::encode_started_commit(sink_.json(), state);
  sink_.commit();
  send_control();
}

void Session::on_skipped_start_commit(const Line& line) {
  if (state_.delivery() == StateDelivery::kFlushed) {
    return;  // the state update already rode on `flushed`
  }
  if (take_state_update()) {
    throw ProtocolError(
        line.number,
        "the runtime continued after 'flushed' without 'startCommit' (a runtime that takes "
        "state from 'flushed.state'), so the previous transaction's state update cannot be "
        "delivered; set FLOW_DERIVE_STATE_DELIVERY=flushed for this runtime");
  }
  log::info("runtime skips startCommit; state updates now ride on 'flushed'");
  state_.set_delivery(StateDelivery::kFlushed);
}

std::optional<ConnectorState> Session::take_state_update() {
  std::optional<ConnectorState> state = connector_.start_commit();
  if (state && state->updated.is_null()) {
    state->updated = nlohmann::json::object();
  }
  return state;
}

void Session::publish(std::string_view doc_json) {
  state_.on_response(ResponseKind::kPublished, current_line_);
  if (doc_json.empty() || std::memchr(doc_json.data(), '\n', doc_json.size()) != nullptr) {
    throw Error("publish(): a document must be one non-empty line of compact JSON (got " +
                std::to_string(doc_json.size()) + " bytes" +
                (doc_json.empty() ? std::string() : " containing a newline") + ")");
  }
  if (options_.codec == Codec::protobuf) {
    flow::detail::proto_wire::append_document_frame(out_.buffer(), kResponsePublished, 0, 0,
                                                    kPublishedDoc, {doc_json});
  } else {
    detail::encode_published(out_.buffer(), doc_json);
  }
  out_.maybe_flush();
}

void Session::send_control() {
  out_.flush();
}

// ---- Free functions ----------------------------------------------------------------------

std::optional<StateDelivery> parse_state_delivery(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  if (lower == "started-commit" || lower == "startedcommit" || lower == "started_commit") {
    return StateDelivery::kStartedCommit;
  }
  if (lower == "flushed") {
    return StateDelivery::kFlushed;
  }
  return std::nullopt;
}

int serve(Connector& connector, int in_fd, int out_fd, const ServeOptions& options) {
  Session session(connector, in_fd, out_fd, options);
  return session.run();
}

}  // namespace flow::derive
