// SPDX-License-Identifier: Apache-2.0
#include <flow/error.hpp>
#include <flow/json_util.hpp>
#include <flow/log.hpp>
#include <map>
#include <thread>

#include "capture/codec.hpp"
#include "capture/session.hpp"
#include "core/stop_signal.hpp"

namespace flow::capture {

namespace {

bool is_blank(std::string_view text) {
  return text.find_first_not_of(" \t\r") == std::string_view::npos;
}

template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

}  // namespace

// ---- Connector defaults ------------------------------------------------------------------

std::vector<std::string> resource_path(const nlohmann::json& resource_config,
                                       const std::vector<std::string>& pointers) {
  std::vector<std::string> path;
  for (const auto& pointer : pointers) {
    const nlohmann::json* value = json::find_pointer(resource_config, pointer);
    if (value == nullptr || value->is_null()) {
      continue;
    }
    path.push_back(value->is_string() ? value->get<std::string>() : value->dump());
  }
  return path;
}

std::vector<ValidatedBinding> Connector::validate(const Validate& request) {
  const Spec spec =
      this->spec(SpecRequest{.connector_type = request.connector_type, .config = request.config});
  if (spec.resource_path_pointers.empty()) {
    throw Error(
        "the default validate() needs spec().resource_path_pointers; set them or override "
        "validate()");
  }
  std::vector<ValidatedBinding> result;
  std::map<std::vector<std::string>, std::size_t> seen;
  for (std::size_t i = 0; i < request.bindings.size(); ++i) {
    auto path = resource_path(request.bindings[i].resource_config, spec.resource_path_pointers);
    if (path.empty()) {
      throw ConfigError("binding " + std::to_string(i) + ": resource config " +
                        request.bindings[i].resource_config.dump() +
                        " has none of the resource path fields");
    }
    if (auto [it, inserted] = seen.emplace(path, i); !inserted) {
      throw ConfigError("bindings " + std::to_string(it->second) + " and " + std::to_string(i) +
                        " capture the same resource " + nlohmann::json(path).dump());
    }
    result.push_back({.resource_path = std::move(path)});
  }
  return result;
}

Applied Connector::apply(const Apply& /*request*/) {
  return {};
}

bool Connector::explicit_acknowledgements(const Open& /*request*/) {
  return false;
}

void Connector::acknowledge(std::uint32_t /*checkpoints*/) {}

// ---- Session -----------------------------------------------------------------------------

Session::Session(Connector& connector, int in_fd, int out_fd, const ServeOptions& options)
    : connector_(connector),
      source_(in_fd, options.codec, request_message_, 0, 0, options.buffers.read_block),
      out_(out_fd, options.buffers.flush_threshold),
      sink_(out_, options.codec, response_message_) {}

bool Session::stopping() const noexcept {
  return stop_.load(std::memory_order_relaxed) || flow::detail::stop_requested();
}

std::optional<capture::detail::Request> Session::next_request(std::size_t& number) {
  while (auto incoming = source_.next()) {
    const Line line = incoming->protobuf ? source_.json_line() : incoming->line;
    if (is_blank(line.text)) {
      continue;  // the runtime never sends blank lines; a human at a terminal might
    }
    number = line.number;
    return detail::decode_request(parser_, line);
  }
  return std::nullopt;
}

int Session::serve() {
  source_.set_cancel([] { return flow::detail::stop_requested(); });
  std::size_t number = 0;
  while (auto request = next_request(number)) {
    bool session_over = false;
    std::visit(Overloaded{
                   [&](const SpecRequest& r) {
                     detail::encode_spec(sink_.json(), connector_.spec(r));
                     sink_.commit();
                   },
                   [&](const Discover& r) {
                     detail::encode_discovered(sink_.json(), connector_.discover(r));
                     sink_.commit();
                   },
                   [&](const Validate& r) {
                     auto bindings = connector_.validate(r);
                     if (bindings.size() != r.bindings.size()) {
                       throw Error("validate() returned " + std::to_string(bindings.size()) +
                                   " bindings for " + std::to_string(r.bindings.size()) +
                                   " requested; it must return one per binding, in order");
                     }
                     detail::encode_validated(sink_.json(), bindings);
                     sink_.commit();
                   },
                   [&](const Apply& r) {
                     detail::encode_applied(sink_.json(), connector_.apply(r));
                     sink_.commit();
                   },
                   [&](const Open& r) {
                     run_pull(r);
                     session_over = true;
                   },
                   [&](const detail::AcknowledgeRequest&) {
                     throw ProtocolError(number, "acknowledge before open");
                   },
               },
               *request);
    out_.flush();  // every non-document response is flushed at once
    if (session_over) {
      return 0;
    }
  }
  if (source_.cancelled()) {
    log::info("stop requested by signal; exiting");
  }
  return 0;
}

void Session::run_pull(const Open& open) {
  binding_count_ = open.capture.bindings.size();
  key_begin_ = open.range.key_begin;
  const bool explicit_acks = connector_.explicit_acknowledgements(open);
  // `opened` must be the first response of the session; the SDK sends it so no author can
  // forget to.
  detail::encode_opened(sink_.json(), explicit_acks);
  sink_.commit();
  out_.flush();
  log::debug("capture session opened", {{"capture", open.capture.name},
                                        {"bindings", binding_count_},
                                        {"explicitAcknowledgements", explicit_acks}});

  // Keep reading stdin while pull() runs: the runtime fails a session whose connector
  // requested acknowledgements but does not read them within 10 s, and EOF means "stop".
  source_.set_cancel([this] {
    return pull_done_.load(std::memory_order_relaxed) || flow::detail::stop_requested();
  });
  std::thread reader_thread([this, explicit_acks] { read_during_pull(explicit_acks); });
  Output output(*this);
  try {
    connector_.pull(open, output);
  } catch (...) {
    pull_done_ = true;
    reader_thread.join();
    throw;
  }
  pull_done_ = true;
  reader_thread.join();
  {
    std::lock_guard lock(reader_error_mutex_);
    if (reader_error_) {
      std::rethrow_exception(reader_error_);
    }
  }
  const std::size_t pending = output.documents_since_checkpoint();
  if (pending == 0) {
    out_.flush();
    return;
  }
  if (stopping()) {
    log::warn("capture stopped with documents after the last checkpoint; they are not committed",
              {{"documents", pending}});
    return;
  }
  throw Error("pull() returned with " + std::to_string(pending) +
              " document(s) after its last checkpoint; call out.checkpoint(...) after the last "
              "document, or they are lost");
}

void Session::read_during_pull(bool explicit_acknowledgements) {
  try {
    std::size_t number = 0;
    while (auto request = next_request(number)) {
      auto* ack = std::get_if<detail::AcknowledgeRequest>(&*request);
      if (ack == nullptr) {
        throw ProtocolError(number,
                            "unexpected request during a capture session: only acknowledge may "
                            "follow open");
      }
      if (!explicit_acknowledgements) {
        throw ProtocolError(number,
                            "acknowledge received, but the connector did not request explicit "
                            "acknowledgements");
      }
      connector_.acknowledge(ack->checkpoints);
    }
    if (!source_.cancelled()) {
      log::info("stdin closed: ending the capture session");
      stop_ = true;
    }
  } catch (...) {
    std::lock_guard lock(reader_error_mutex_);
    reader_error_ = std::current_exception();
    stop_ = true;
  }
}

int serve(Connector& connector, int in_fd, int out_fd, const ServeOptions& options) {
  Session session(connector, in_fd, out_fd, options);
  return session.serve();
}

int serve(Connector& connector, int in_fd, int out_fd, Codec codec) {
  return serve(connector, in_fd, out_fd, ServeOptions{.codec = codec});
}

}  // namespace flow::capture
