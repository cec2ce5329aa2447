// SPDX-License-Identifier: Apache-2.0
//
// Benchmark input for the protobuf codec: JSON-lines requests converted to protobuf frames
// (u32 little-endian length + message) before the clock starts, with the SDK's transcoder.
//
// Example:
//   flowpb::materialize::Request prototype;
//   const std::string frames = flow::bench::jsonl_to_frames(jsonl, prototype);

#pragma once

#include <google/protobuf/message.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "core/proto_json.hpp"
#include "core/proto_wire.hpp"

namespace flow::bench {

inline std::string jsonl_to_frames(std::string_view jsonl, google::protobuf::Message& prototype) {
  std::string frames;
  while (!jsonl.empty()) {
    const auto newline = jsonl.find('\n');
    const std::string_view line = jsonl.substr(0, newline);
    if (!line.empty()) {
      flow::detail::json_to_message(line, prototype);
      const std::string body = prototype.SerializeAsString();
      flow::detail::proto_wire::append_frame_length(frames,
                                                    static_cast<std::uint32_t>(body.size()));
      frames += body;
    }
    if (newline == std::string_view::npos) {
      break;
    }
    jsonl.remove_prefix(newline + 1);
  }
  return frames;
}

}  // namespace flow::bench
