// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal: one materialize protocol stream — the request loop, dispatch to the connector,
// the Load/Store hot path, and the response writer, every event checked by the
// TransactionStateMachine.

#include <cstddef>
#include <flow/line_reader.hpp>
#include <flow/materialize.hpp>
#include <flow/output_stream.hpp>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/request_decoder.hpp"
#include "core/request_source.hpp"
#include "core/response_sink.hpp"
#include "materialize.pb.h"
#include "materialize/transaction_state.hpp"

namespace flow::materialize::detail {

/// Serves one stream. serve() is `Session(connector, in, out, options).run()`.
///
/// Example:
///   flow::materialize::detail::Session session(connector, STDIN_FILENO, STDOUT_FILENO, {});
///   return session.run();
class Session final : public Loaded {
 public:
  Session(Connector& connector, int in_fd, int out_fd, const ServeOptions& options);

  /// Reads requests until EOF. Returns 0; throws flow::ProtocolError on violations.
  int run();

  /// The Loaded sink handed to load() and flush().
  void loaded(std::uint32_t binding, std::string_view doc_json) override;
  using Loaded::loaded;

 private:
  /// What the hot path needs to know of a binding.
  struct BindingShape {
    std::size_t keys = 0;
    std::size_t values = 0;
    bool delta_updates = false;
  };

  /// Fields of a Load or Store as they arrive, before key/values are resolved.
  struct RawDocumentRequest {
    std::uint32_t binding = 0;
    std::string_view key;
    std::string_view key_packed_base64;  // JSON codec
    std::string_view key_packed;         // protobuf codec: the bytes themselves
    std::string_view values;
    std::string_view values_packed_base64;
    std::string_view values_packed;
    std::string_view doc;
    bool exists = false;
    bool is_delete = false;
  };

  /// A request decoded from one line. It is acted on only after the whole line parsed
  /// cleanly: On-Demand finds a second message key or trailing garbage only after the first
  /// body was handed over, and a malformed line must change nothing.
  using DecodedBody = std::
      variant<std::monostate, SpecRequest, Validate, Apply, Open, Flush, Acknowledge, StartCommit>;

  void decode(std::string_view kind, flow::detail::od::value body, const Line& line);
  void act(const Line& line);
  void handle_open(const Open& request);
  void handle_load(const Line& line);
  void handle_store(const Line& line);
  void decode_document_request(flow::detail::od::value body, const char* what);
  /// Protobuf: reads a Load or Store straight from its bytes in the frame (no message object,
  /// no JSON, no allocation) and acts on it.
  void handle_hot_message(const flow::detail::proto_reader::Field& hot, std::size_t number);
  /// Resolves JSON-array or packed text into `json` (JSON array text) and splits its elements
  /// into `fields`; checks the count against the field selection.
  std::string_view resolve_array(std::string_view json_text,
                                 std::string_view packed_base64,
                                 std::string_view& packed_bytes,
                                 std::string& packed,
                                 std::string& json,
                                 std::vector<std::string_view>& fields,
                                 std::size_t expected,
                                 const char* what,
                                 const Line& line) const;
  const BindingShape& binding_shape(std::uint32_t binding, std::size_t line) const;
  void respond(ResponseKind kind);  // checks the state machine before a response is written
  void send();                      // writes out the buffered responses

  Connector& connector_;
  ServeOptions options_;
  flowpb::materialize::Request request_message_;
  flowpb::materialize::Response response_message_;
  flow::detail::RequestSource source_;
  OutputStream out_;
  flow::detail::ResponseSink sink_;
  flow::detail::RequestParser parser_;
  TransactionStateMachine state_;
  std::vector<BindingShape> bindings_;
  bool loaded_allowed_ = false;  // true only inside load() and flush()
  std::size_t current_line_ = 0;

  RequestKind pending_kind_ = RequestKind::spec;
  DecodedBody pending_;

  // Reused for every Load/Store: the hot path allocates nothing once these have grown.
  RawDocumentRequest raw_;
  std::string key_packed_, values_packed_, key_json_, values_json_;
  std::vector<std::string_view> key_fields_, value_fields_;
};

}  // namespace flow::materialize::detail
