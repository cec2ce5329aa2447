// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal: one capture protocol stream (what serve() runs).

#include <atomic>
#include <exception>
#include <flow/capture.hpp>
#include <flow/line_reader.hpp>
#include <flow/output_stream.hpp>
#include <mutex>

#include "core/request_decoder.hpp"

namespace flow::capture {

/// Reads requests, answers them in order, and runs pull() for an Open, with a background
/// stdin reader for acknowledgements and EOF while pull() runs.
class Session {
 public:
  Session(Connector& connector, int in_fd, int out_fd);
  int serve();

  // For Output:
  OutputStream& out() noexcept { return out_; }
  [[nodiscard]] std::size_t binding_count() const noexcept { return binding_count_; }
  [[nodiscard]] bool stopping() const noexcept;

 private:
  void run_pull(const Open& open);
  void read_during_pull(bool explicit_acknowledgements);

  Connector& connector_;
  LineReader reader_;
  OutputStream out_;
  flow::detail::RequestParser parser_;
  std::size_t binding_count_ = 0;
  std::atomic<bool> stop_{false};       // stdin closed, or the reader failed
  std::atomic<bool> pull_done_{false};  // tells the reader thread to finish
  std::mutex reader_error_mutex_;
  std::exception_ptr reader_error_;
};

}  // namespace flow::capture
