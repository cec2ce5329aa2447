// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal: one derive protocol stream — the request loop, dispatch to the connector, and the
// response writer, checked against the ordering rules of ProtocolState.

#include <cstddef>
#include <flow/derive.hpp>
#include <flow/line_reader.hpp>
#include <flow/output_stream.hpp>
#include <optional>
#include <string_view>

#include "core/request_decoder.hpp"
#include "core/request_source.hpp"
#include "core/response_sink.hpp"
#include "derive.pb.h"
#include "derive/protocol_state.hpp"
#include "derive/request_decode.hpp"

namespace flow::derive {

/// Serves one stream. serve() is `Session(connector, in, out, options).run()`.
///
/// Example:
///   flow::derive::Session session(connector, STDIN_FILENO, STDOUT_FILENO, {});
///   return session.run();
class Session {
 public:
  Session(Connector& connector, int in_fd, int out_fd, const ServeOptions& options);

  /// Reads requests until EOF (or a stop signal). Returns 0; throws on protocol violations.
  int run();

  /// Publisher's sink: checks the ordering rules, then buffers one `published` line.
  void publish(std::string_view doc_json);

 private:
  /// One request line, decoded; views in `read` point into the line.
  struct Decoded {
    detail::RequestKind kind = detail::RequestKind::kSpec;
    Read read;
    std::optional<SpecRequest> spec;
    std::optional<Validate> validate;
    std::optional<Open> open;
  };

  void decode(detail::RequestKind kind, simdjson::ondemand::value body, Decoded& decoded);
  /// Protobuf: a Read read straight from its bytes in the frame (no message object, no
  /// JSON). False when it has no document: the JSON path then reports that.
  bool decode_hot_message(Decoded& decoded,
                          const flow::detail::proto_reader::Field& hot,
                          std::size_t number);
  void dispatch(const Decoded& decoded, const Line& line);
  void handle_flush(const Line& line);
  void handle_start_commit(const Line& line);
  /// The runtime went on after `flushed` without a startCommit (a V2 runtime).
  void on_skipped_start_commit(const Line& line);
  /// Calls connector.start_commit() and returns its state update.
  std::optional<ConnectorState> take_state_update();
  void send_control();  // writes out what is buffered: control messages go out at once

  Connector& connector_;
  ServeOptions options_;
  flowpb::derive::Request request_message_;
  flowpb::derive::Response response_message_;
  flow::detail::RequestSource source_;
  OutputStream out_;
  flow::detail::ResponseSink sink_;
  detail::ShuffleKeyScratch shuffle_key_;  // a Read's packed-only shuffle key, decoded
  flow::detail::RequestParser parser_;
  detail::ProtocolState state_;
  Publisher publisher_;
  std::size_t transforms_ = 0;  // from Open, to range-check read.transform
  std::size_t current_line_ = 0;
};

}  // namespace flow::derive
