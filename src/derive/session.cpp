// SPDX-License-Identifier: Apache-2.0
#include "derive/session.hpp"

#include <cstring>
#include <flow/error.hpp>
#include <flow/log.hpp>
#include <string>
#include <utility>

#include "core/stop_signal.hpp"
#include "derive/request_decode.hpp"
#include "derive/response_encode.hpp"

namespace flow::derive {

using detail::RequestKind;
using detail::ResponseKind;
namespace od = simdjson::ondemand;

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
      reader_(in_fd),
      out_(out_fd),
      state_(options.state_delivery),
      publisher_(*this) {}

int Session::run() {
  // SIGTERM/SIGINT (run() installs the handlers) end a blocked read.
  reader_.set_cancel([] { return flow::detail::stop_requested(); });
  while (!flow::detail::stop_requested()) {
    const std::optional<Line> line = reader_.next();
    if (!line) {
      break;
    }
    current_line_ = line->number;
    if (line->text.empty()) {
      throw ProtocolError(line->number, "empty line (requests are one JSON object per line)");
    }
    // Decode first, act after: On-Demand validates the rest of the line (a second variant
    // key, trailing garbage) only once the body was visited, and nothing may happen for a
    // line that turns out to be malformed.
    Decoded decoded;
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
  if (reader_.cancelled() || flow::detail::stop_requested()) {
    // Nothing of an unfinished transaction was committed: the runtime replays it.
    log::info("stop requested by signal; exiting");
    return 0;
  }
  if (state_.on_eof() == detail::EofOutcome::kAbandonedTransaction) {
    // Published documents still buffered belong to a transaction that will never commit.
    log::warn("input ended inside a transaction; it was not committed and is discarded",
              {{"line", reader_.line_count()}});
  } else {
    out_.flush();
  }
  log::debug("derive session ended", {{"lines", reader_.line_count()}});
  return 0;
}

void Session::decode(RequestKind kind, od::value body, Decoded& decoded) {
  switch (kind) {
    case RequestKind::kRead:
      decoded.read = detail::decode_read(body);
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
      detail::encode_spec(out_.buffer(), spec);
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
      detail::encode_validated(out_.buffer(), validated);
      send_control();
      return;
    }
    case RequestKind::kOpen: {
      const Open& open = *decoded.open;
      transforms_ = open.derivation.transforms.size();
      connector_.open(open);
      state_.on_response(ResponseKind::kOpened, line.number);
      detail::encode_opened(out_.buffer());
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
  detail::encode_flushed(out_.buffer(), state);
  send_control();
  publisher_.published_ = 0;
}

void Session::handle_start_commit(const Line& line) {
  std::optional<ConnectorState> state;
  if (state_.delivery() == StateDelivery::kStartedCommit) {
    state = take_state_update();
  }
  state_.on_response(ResponseKind::kStartedCommit, line.number);
  detail::encode_started_commit(out_.buffer(), state);
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
  detail::encode_published(out_.buffer(), doc_json);
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
