// SPDX-License-Identifier: Apache-2.0
#include "flow-local/progress.hpp"

#include <cstdio>

namespace flow::local {
namespace {

std::string human(double value, const char* const* units, int count, double step) {
  int unit = 0;
  while (value >= step && unit + 1 < count) {
    value /= step;
    ++unit;
  }
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, unit == 0 ? "%.0f%s" : "%.1f%s", value, units[unit]);
  return buffer;
}

}  // namespace

Progress::Progress(Console& console)
    : console_(console),
      enabled_(console.tty()),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

std::string Progress::format(std::uint64_t documents,
                             std::uint64_t bytes,
                             std::uint64_t checkpoints,
                             double seconds) {
  static constexpr const char* kCount[] = {"", "k", "M", "G"};
  static constexpr const char* kBytes[] = {" B", " KiB", " MiB", " GiB"};
  const double rate = seconds > 0 ? static_cast<double>(documents) / seconds : 0.0;
  const auto whole = static_cast<long long>(seconds);
  char clock[32];
  std::snprintf(clock, sizeof clock, "%02lld:%02lld", whole / 60, whole % 60);
  return human(static_cast<double>(documents), kCount, 4, 1000) + " docs (" +
         human(rate, kCount, 4, 1000) + "/s) · " +
         human(static_cast<double>(bytes), kBytes, 4, 1024) + " · " + std::to_string(checkpoints) +
         " checkpoints · " + clock;
}

void Progress::maybe_draw() {
  auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < std::chrono::milliseconds(250)) {
    return;
  }
  last_draw_ = now;
  console_.progress(format(documents_, bytes_, checkpoints_,
                           std::chrono::duration<double>(now - start_).count()));
}

void Progress::finish() {
  if (enabled_) {
    console_.clear_progress();
  }
}

}  // namespace flow::local
