// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "flow-local/console.hpp"

/// The live progress line of a long preview, on a terminal only: documents per second, bytes,
/// checkpoints and elapsed time, redrawn in place on stderr at most 4 times a second. Off a
/// terminal it writes nothing.
///
/// Example:
///   Progress progress(console);
///   progress.document(line.text.size());   // per document (cheap: no clock read)
///   progress.checkpoint();                  // redraws when due
///   progress.finish();                      // erases the line
namespace flow::local {

class Progress {
 public:
  explicit Progress(Console& console);

  void document(std::size_t bytes) {
    ++documents_;
    bytes_ += bytes;
    if (enabled_ && (documents_ & 0x3FFU) == 0) {
      maybe_draw();
    }
  }
  void checkpoint() {
    ++checkpoints_;
    if (enabled_) {
      maybe_draw();
    }
  }
  void finish();

  /// "1.2M docs (35.1k/s) · 120 MiB · 14 checkpoints · 00:34". Pure.
  static std::string format(std::uint64_t documents,
                            std::uint64_t bytes,
                            std::uint64_t checkpoints,
                            double seconds);

 private:
  void maybe_draw();

  Console& console_;
  bool enabled_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
  std::uint64_t documents_ = 0;
  std::uint64_t bytes_ = 0;
  std::uint64_t checkpoints_ = 0;
};

}  // namespace flow::local
