// SPDX-License-Identifier: Apache-2.0
#pragma once

// Test helpers: run serve() over temp files, build request lines.

#include <unistd.h>

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
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned n = (static_cast<unsigned char>(bytes[i]) << 16U) |
                       (static_cast<unsigned char>(bytes[i + 1]) << 8U) |
                       static_cast<unsigned char>(bytes[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) {
      out.push_back(kAlphabet[(n >> static_cast<unsigned>(shift)) & 63U]);
    }
  }
  if (i + 1 == bytes.size()) {
    const unsigned n = static_cast<unsigned char>(bytes[i]) << 16U;
    out += {kAlphabet[(n >> 18U) & 63U], kAlphabet[(n >> 12U) & 63U], '=', '='};
  } else if (i + 2 == bytes.size()) {
    const unsigned n = (static_cast<unsigned char>(bytes[i]) << 16U) |
                       (static_cast<unsigned char>(bytes[i + 1]) << 8U);
    out +=
        {kAlphabet[(n >> 18U) & 63U], kAlphabet[(n >> 12U) & 63U], kAlphabet[(n >> 6U) & 63U], '='};
  }
  return out;
}

}  // namespace flow::materialize::testing
