// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal: one capture protocol stream (what serve() runs).

#include <atomic>
#include <exception>
#include <flow/capture.hpp>
#include <flow/codec.hpp>
#include <flow/output_stream.hpp>
#include <mutex>

#include "capture.pb.h"
#include "capture/codec.hpp"
#include "core/request_decoder.hpp"
#include "core/request_source.hpp"
#include "core/response_sink.hpp"

namespace flow::capture {

/// Reads requests, answers them in order, and runs pull() for an Open, with a background
/// stdin reader for acknowledgements and EOF while pull() runs.
class Session {
 public:
  Session(Connector& connector, int in_fd, int out_fd, const ServeOptions& options);
  int serve();

  // For Output:
  OutputStream& out() noexcept { return out_; }
  flow::detail::ResponseSink& sink() noexcept { return sink_; }
  [[nodiscard]] Codec codec() const noexcept { return sink_.codec(); }
  [[nodiscard]] std::size_t binding_count() const noexcept { return binding_count_; }
  /// The opened range's keyBegin: only the shard at 0 may send backfill signals.
  [[nodiscard]] std::uint32_t key_begin() const noexcept { return key_begin_; }
  [[nodiscard]] bool stopping() const noexcept;

 private:
  void run_pull(const Open& open);
  void read_during_pull(bool explicit_acknowledgements);
  /// The next request decoded, or nullopt at EOF; blank JSON lines are skipped.
  std::optional<capture::detail::Request> next_request(std::size_t& number);

  Connector& connector_;
  flowpb::capture::Request request_message_;
  flowpb::capture::Response response_message_;
  flow::detail::RequestSource source_;
  OutputStream out_;
  flow::detail::ResponseSink sink_;
  flow::detail::RequestParser parser_;
  std::size_t binding_count_ = 0;
  std::uint32_t key_begin_ = 0;
  std::atomic<bool> stop_{false};       // stdin closed, or the reader failed
  std::atomic<bool> pull_done_{false};  // tells the reader thread to finish
  std::mutex reader_error_mutex_;
  std::exception_ptr reader_error_;
};

}  // namespace flow::capture
