// SPDX-License-Identifier: Apache-2.0
#pragma once

// Test helpers: run serve() over temp files, build request lines.
//
// The transcript tests run twice (ctest registers the binary a second time with
// FLOW_TEST_CODEC=protobuf): the second run converts each JSON input to protobuf frames with
// libprotobuf (tests/common/proto_transcript.hpp), serves it under the protobuf codec, and
// turns the response frames back into JSON lines, so every expectation on the JSON output
// holds for both codecs. An input with no protobuf form (malformed JSON) runs as JSON and
// says so on stderr.

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <flow/materialize.hpp>
#include <initializer_list>
#include <iostream>
#include <string>
#include <string_view>

#include "core/proto_json.hpp"
#include "materialize.pb.h"
#include "proto_transcript.hpp"

namespace flow::materialize::testing {

/// Runs serve() with `input` on stdin (a temp file) and returns what it wrote.
inline std::string serve_bytes(flow::materialize::Connector& connector,
                               const std::string& input,
                               const flow::materialize::ServeOptions& options) {
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

/// True when ctest runs this binary for the protobuf codec.
inline bool protobuf_run() {
  const char* codec = std::getenv("FLOW_TEST_CODEC");
  return codec != nullptr && std::string_view(codec) == "protobuf";
}

/// The response frames as JSON lines (each frame's message, with raw JSON fields embedded).
inline std::string frames_as_lines(std::string_view frames) {
  flowpb::materialize::Response response;
  std::string out;
  while (frames.size() >= 4) {
    std::uint32_t size = 0;
    for (int i = 3; i >= 0; --i) {
      size = (size << 8) | static_cast<unsigned char>(frames[static_cast<std::size_t>(i)]);
    }
    if (frames.size() - 4 < size ||
        !response.ParseFromArray(frames.data() + 4, static_cast<int>(size))) {
      out += "<invalid or partial frame>\n";
      return out;
    }
    flow::detail::message_to_json(response, out);
    out += '\n';
    frames.remove_prefix(4 + size);
  }
  if (!frames.empty()) {
    out += "<partial frame>\n";
  }
  return out;
}

/// Expected JSON-lines output in the form serve_transcript() gives under this run's codec:
/// unchanged for JSON; for protobuf, each line by way of a protobuf message, so that what
/// protobuf cannot tell apart (key order, an empty map, a default value) compares equal.
inline std::string normalized(const std::string& jsonl) {
  if (!protobuf_run()) {
    return jsonl;
  }
  flowpb::materialize::Response response;
  std::string out;
  for (const auto& line : flow::testing::lines_to_normalized_json(jsonl, response)) {
    out += line.dump() + "\n";
  }
  return out;
}

/// Runs serve() on the JSON-lines `input`, under the codec of this run (see above), and
/// returns the responses as JSON lines.
inline std::string serve_transcript(flow::materialize::Connector& connector,
                                    const std::string& input,
                                    flow::materialize::ServeOptions options = {}) {
  if (!protobuf_run()) {
    return serve_bytes(connector, input, options);
  }
  flowpb::materialize::Request request;
  std::string why;
  const auto frames = flow::testing::to_frames(input, request, why);
  if (!frames) {
    std::cerr << "[ protobuf run: input has no protobuf form (" << why << "); served as JSON ]\n";
    return serve_bytes(connector, input, options);
  }
  options.codec = flow::Codec::protobuf;
  return normalized(frames_as_lines(serve_bytes(connector, *frames, options)));
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
