// SPDX-License-Identifier: Apache-2.0
#include "materialize/session.hpp"

#include <flow/error.hpp>
#include <flow/log.hpp>
#include <flow/tuple.hpp>

#include "core/base64.hpp"
#include "core/proto_wire.hpp"
#include "core/stop_signal.hpp"
#include "materialize/codec.hpp"

namespace flow::materialize::detail {

namespace {

namespace od = flow::detail::od;

// materialize.Response field numbers of the hand-encoded Loaded (src/proto/materialize.proto).
constexpr std::uint32_t kResponseLoaded = 5;
constexpr std::uint32_t kLoadedBinding = 1;
constexpr std::uint32_t kLoadedDoc = 2;

// materialize.Request field numbers of the hot requests (src/proto/materialize.proto).
constexpr std::uint32_t kRequestLoad = 5;
constexpr std::uint32_t kRequestStore = 7;

bool is_blank(std::string_view text) {
  return text.find_first_not_of(" \t\r") == std::string_view::npos;
}

}  // namespace

Session::Session(Connector& connector, int in_fd, int out_fd, const ServeOptions& options)
    : connector_(connector),
      options_(options),
      source_(in_fd,
              options.codec,
              request_message_,
              kRequestLoad,
              kRequestStore,
              options.buffers.read_block),
      out_(out_fd, options.buffers.flush_threshold),
      sink_(out_, options.codec, response_message_) {}

void Session::respond(ResponseKind kind) {
  state_.on_response(kind);
}

void Session::send() {
  out_.flush();
}

int Session::run() {
  // SIGTERM/SIGINT (run() installs the handlers) end a blocked read.
  source_.set_cancel([] { return flow::detail::stop_requested(); });
  while (auto incoming = source_.next()) {
    if (incoming->hot) {
      handle_hot_message(*incoming->hot, incoming->line.number);
      continue;
    }
    const Line line = incoming->protobuf ? source_.json_line() : incoming->line;
    if (is_blank(line.text)) {
      continue;  // the runtime never sends blank lines; a human at a terminal might
    }
    current_line_ = line.number;
    parser_.parse(
        line, [this, &line](std::string_view kind, od::value body) { decode(kind, body, line); });
    act(line);
  }
  if (source_.cancelled()) {
    // Nothing of an unfinished transaction was committed: the runtime replays it.
    log::info("stop requested by signal; exiting",
              {{"phase", std::string(phase_name(state_.phase()))}});
    return 0;
  }
  state_.on_eof(source_.count());
  if (state_.phase() != Phase::unopened) {
    log::debug("materialize session ended at stdin EOF", {{"transactions", state_.transactions()}});
  }
  return 0;
}

void Session::decode(std::string_view kind, od::value body, const Line& line) {
  pending_ = std::monostate{};
  // Store and load first: they are nearly every request of a session. Their fields stay
  // views into the line, which lives until the next read.
  if (kind == "store") {
    pending_kind_ = RequestKind::store;
    decode_document_request(body, "store");
  } else if (kind == "load") {
    pending_kind_ = RequestKind::load;
    decode_document_request(body, "load");
  } else if (kind == "acknowledge") {
    pending_kind_ = RequestKind::acknowledge;
    pending_ = decode_acknowledge(body);
  } else if (kind == "flush") {
    pending_kind_ = RequestKind::flush;
    pending_ = decode_flush(body);
  } else if (kind == "startCommit" || kind == "start_commit") {
    pending_kind_ = RequestKind::start_commit;
    pending_ = decode_start_commit(body);
  } else if (kind == "spec") {
    pending_kind_ = RequestKind::spec;
    pending_ = decode_spec(body);
  } else if (kind == "validate") {
    pending_kind_ = RequestKind::validate;
    pending_ = decode_validate(body);
  } else if (kind == "apply") {
    pending_kind_ = RequestKind::apply;
    pending_ = decode_apply(body);
  } else if (kind == "open") {
    pending_kind_ = RequestKind::open;
    pending_ = decode_open(body);
  } else {
    throw ProtocolError(line.number, "unknown materialize request '" + std::string(kind) + "'");
  }
}

void Session::act(const Line& line) {
  state_.on_request(pending_kind_, line.number);
  switch (pending_kind_) {
    case RequestKind::store:
      handle_store(line);
      return;
    case RequestKind::load:
      handle_load(line);
      return;
    case RequestKind::acknowledge: {
      const auto state = connector_.acknowledge(std::get<Acknowledge>(pending_));
      respond(ResponseKind::acknowledged);
      encode_acknowledged(sink_.json(), state);
      sink_.commit();
      send();
      return;
    }
    case RequestKind::flush: {
      loaded_allowed_ = true;
      const auto state = connector_.flush(std::get<Flush>(pending_), *this);
      loaded_allowed_ = false;
      respond(ResponseKind::flushed);
      encode_flushed(sink_.json(), state);
      sink_.commit();
      send();
      return;
    }
    case RequestKind::start_commit: {
      const auto state = connector_.start_commit(std::get<StartCommit>(pending_));
      respond(ResponseKind::started_commit);
      encode_started_commit(sink_.json(), state);
      sink_.commit();
      send();
      return;
    }
    case RequestKind::spec: {
      const Spec spec = connector_.spec(std::get<SpecRequest>(pending_));
      respond(ResponseKind::spec);
      encode_spec(sink_.json(), spec);
      sink_.commit();
      send();
      return;
    }
    case RequestKind::validate: {
      const auto& request = std::get<Validate>(pending_);
      const auto bindings = connector_.validate(request);
      if (bindings.size() != request.bindings.size()) {
        throw Error("validate() returned " + std::to_string(bindings.size()) + " bindings for " +
                    std::to_string(request.bindings.size()) +
                    " requested; it must return one per binding, in order");
      }
      respond(ResponseKind::validated);
      encode_validated(sink_.json(), bindings, options_.constraints_form);
      sink_.commit();
      send();
      return;
    }
    case RequestKind::apply: {
      const Applied applied = connector_.apply(std::get<Apply>(pending_));
      respond(ResponseKind::applied);
      encode_applied(sink_.json(), applied);
      sink_.commit();
      send();
      return;
    }
    case RequestKind::open:
      handle_open(std::get<Open>(pending_));
      return;
  }
}

void Session::handle_open(const Open& request) {
  bindings_.clear();
  for (const auto& binding : request.materialization.bindings) {
    bindings_.push_back({.keys = binding.field_selection.keys.size(),
                         .values = binding.field_selection.values.size(),
                         .delta_updates = binding.delta_updates});
  }
  const Opened opened = connector_.open(request);
  respond(ResponseKind::opened);
  encode_opened(sink_.json(), opened);
  sink_.commit();
  send();
  log::debug("materialize session opened",
             {{"materialization", request.materialization.name}, {"bindings", bindings_.size()}});
}

const Session::BindingShape& Session::binding_shape(std::uint32_t binding, std::size_t line) const {
  if (binding >= bindings_.size()) {
    throw ProtocolError(line, "binding " + std::to_string(binding) + " is out of range (open had " +
                                  std::to_string(bindings_.size()) + " bindings)");
  }
  return bindings_[binding];
}

void Session::handle_hot_message(const flow::detail::proto_reader::Field& hot, std::size_t number) {
  namespace pr = flow::detail::proto_reader;
  raw_ = RawDocumentRequest{};
  const bool is_store = hot.number == kRequestStore;
  pending_kind_ = is_store ? RequestKind::store : RequestKind::load;
  // Load and Store share their first three fields: binding, key_json, key_packed. Fields a
  // Load does not have (a newer runtime's) are skipped, as in a Store.
  try {
    pr::Reader reader(hot.bytes);
    while (auto field = reader.next()) {
      const std::uint32_t number_in_message = is_store || field->number <= 3 ? field->number : 0;
      switch (number_in_message) {
        case 1:
          raw_.binding = pr::as_u32(*field, "binding");
          break;
        case 2:
          raw_.key = pr::as_bytes(*field, "key");
          break;
        case 3:
          raw_.key_packed = pr::as_bytes(*field, "keyPacked");
          break;
        case 4:
          raw_.values = pr::as_bytes(*field, "values");
          break;
        case 5:
          raw_.values_packed = pr::as_bytes(*field, "valuesPacked");
          break;
        case 6:
          raw_.doc = pr::as_bytes(*field, "doc");
          break;
        case 7:
          raw_.exists = pr::as_bool(*field, "exists");
          break;
        case 8:
          raw_.is_delete = pr::as_bool(*field, "delete");
          break;
        default:
          break;  // a newer runtime's field
      }
    }
  } catch (const Error& e) {
    throw ProtocolError(number, std::string(is_store ? "store: " : "load: ") + e.what());
  }
  pending_ = std::monostate{};
  current_line_ = number;
  act(Line{.text = {}, .capacity = 0, .number = number, .terminated = true});
}

void Session::decode_document_request(od::value body, const char* what) {
  raw_ = RawDocumentRequest{};
  // One captured pointer keeps the callback inside std::function's local storage: no
  // allocation per request.
  flow::detail::for_each_field(as_object(body, what), [this](std::string_view key, od::value v) {
    if (key == "binding") {
      raw_.binding = flow::detail::get_u32(v, key);
    } else if (key == "key" || key == "key_json") {
      raw_.key = flow::detail::get_raw(v, key);
    } else if (key == "keyPacked" || key == "key_packed") {
      raw_.key_packed_base64 = flow::detail::get_base64_text(v, key);
    } else if (key == "values" || key == "values_json") {
      raw_.values = flow::detail::get_raw(v, key);
    } else if (key == "valuesPacked" || key == "values_packed") {
      raw_.values_packed_base64 = flow::detail::get_base64_text(v, key);
    } else if (key == "doc" || key == "doc_json") {
      raw_.doc = flow::detail::get_raw(v, key);
    } else if (key == "exists") {
      raw_.exists = flow::detail::get_bool(v, key);
    } else if (key == "delete") {
      raw_.is_delete = flow::detail::get_bool(v, key);
    }
  });
}

std::string_view Session::resolve_array(std::string_view json_text,
                                        std::string_view packed_base64,
                                        std::string_view& packed_bytes,
                                        std::string& packed,
                                        std::string& json,
                                        std::vector<std::string_view>& fields,
                                        std::size_t expected,
                                        const char* what,
                                        const Line& line) const {
  fields.clear();
  std::string_view array = json_text;
  // The runtime fills one encoding: JSON arrays for JSON-codec connectors on the newest
  // runtimes, packed tuples on older ones and for protobuf connectors (PROTOCOL.md §4.4). An
  // empty JSON array next to a packed tuple is the older runtimes' unfilled field.
  if (!packed_base64.empty()) {
    packed.clear();
    if (!flow::detail::base64_decode(packed, packed_base64)) {
      throw ProtocolError(line.number, std::string(what) + "Packed is not valid base64");
    }
    packed_bytes = packed;
  }
  if (!packed_bytes.empty() && (array.empty() || array == "[]")) {
    json.clear();
    try {
      tuple::append_json_array(json, packed_bytes);
    } catch (const tuple::TupleError& e) {
      throw ProtocolError(line.number, std::string(what) + "Packed: " + e.what());
    }
    array = json;
  } else if (array.empty()) {
    array = "[]";
  } else if (array.front() != '[') {
    throw ProtocolError(line.number, std::string(what) + " must be a JSON array");
  }
  split_json_array(array, fields);
  if (fields.size() != expected) {
    throw ProtocolError(line.number, std::string(what) + " has " + std::to_string(fields.size()) +
                                         " element(s) but binding " + std::to_string(raw_.binding) +
                                         "'s field selection has " + std::to_string(expected) +
                                         " " + what + " field(s)");
  }
  return array;
}

void Session::handle_load(const Line& line) {
  const BindingShape& shape = binding_shape(raw_.binding, line.number);
  if (shape.delta_updates) {
    throw ProtocolError(line.number, "load for binding " + std::to_string(raw_.binding) +
                                         ", which is delta-updates (it never loads)");
  }
  Load request;
  request.binding = raw_.binding;
  request.key = resolve_array(raw_.key, raw_.key_packed_base64, raw_.key_packed, key_packed_,
                              key_json_, key_fields_, shape.keys, "key", line);
  request.key_fields = key_fields_;
  request.key_packed = raw_.key_packed;
  loaded_allowed_ = true;
  connector_.load(request, *this);
  loaded_allowed_ = false;
}

void Session::handle_store(const Line& line) {
  const BindingShape& shape = binding_shape(raw_.binding, line.number);
  Store request;
  request.binding = raw_.binding;
  request.key = resolve_array(raw_.key, raw_.key_packed_base64, raw_.key_packed, key_packed_,
                              key_json_, key_fields_, shape.keys, "key", line);
  request.values =
      resolve_array(raw_.values, raw_.values_packed_base64, raw_.values_packed, values_packed_,
                    values_json_, value_fields_, shape.values, "values", line);
  request.key_fields = key_fields_;
  request.value_fields = value_fields_;
  request.key_packed = raw_.key_packed;
  request.doc = raw_.doc;
  request.exists = raw_.exists;
  request.is_delete = raw_.is_delete;
  connector_.store(request);
}

void Session::loaded(std::uint32_t binding, std::string_view doc_json) {
  if (!loaded_allowed_) {
    throw ProtocolError(current_line_,
                        "Loaded::loaded() called outside load() and flush(); the sink may only "
                        "be used during those calls (nothing may be sent during stores)");
  }
  const BindingShape& shape = binding_shape(binding, current_line_);
  if (shape.delta_updates) {
    throw Error("loaded() for delta-updates binding " + std::to_string(binding));
  }
  if (doc_json.empty() || doc_json.find('\n') != std::string_view::npos) {
    throw Error("loaded() needs one compact JSON document without newlines");
  }
  respond(ResponseKind::loaded);
  if (options_.codec == Codec::protobuf) {
    flow::detail::proto_wire::append_document_frame(out_.buffer(), kResponseLoaded, kLoadedBinding,
                                                    binding, kLoadedDoc, {doc_json});
  } else {
    encode_loaded(out_.buffer(), binding, doc_json);
  }
  out_.maybe_flush();
}

}  // namespace flow::materialize::detail
