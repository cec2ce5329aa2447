// SPDX-License-Identifier: Apache-2.0
#pragma once

// Test helpers: run serve() over temp files, build request lines.

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <flow/materialize.hpp>
#include <initializer_list>
#include <string>

namespace flow::materialize::testing {

/// Runs serve() with `input` on stdin (a temp file) and returns what it wrote.
inline std::string serve_transcript(flow::materialize::Connector& connector,
                                    const std::string& input,
                                    const flow::materialize::ServeOptions& options = {}) {
  FILE* in = std::tmpfile();
  FILE* out = std::tmpfile();
  std::fwrite(input.data(), 1, input.size(), in);
  std::fflush(in);
  std::rewind(in);
  struct Closer {
    FILE* a;
    FILE* b;
    ~Closer() {
      std::fclose(a);
      std::fclose(b);
    }
  } closer{in, out};
  flow::materialize::serve(connector, fileno(in), fileno(out), options);
  std::string result;
  lseek(fileno(out), 0, SEEK_SET);
  char buffer[4096];
  ssize_t n = 0;
  while ((n = read(fileno(out), buffer, sizeof buffer)) > 0) {
    result.append(buffer, static_cast<std::size_t>(n));
  }
  return result;
}

inline std::string lines(std::initializer_list<std::string> items) {
  std::string out;
  for (const auto& item : items) {
    out += item;
    out += '\n';
  }
  return out;
}

inline std::string base64_of(const std::string& bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::uint32_t accumulator = 0;
  int bits = 0;
  for (const char c : bytes) {
    accumulator = (accumulator << 8) | std::uint32_t{static_cast<unsigned char>(c)};
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(accumulator >> bits) & 63U]);
    }
  }
  if (bits > 0) {
    out.push_back(kAlphabet[(accumulator << (6 - bits)) & 63U]);
  }
  while (out.size() % 4 != 0) {
    out.push_back('=');
  }
  return out;
}

}  // namespace flow::materialize::testing
