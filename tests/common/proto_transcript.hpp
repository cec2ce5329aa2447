// SPDX-License-Identifier: Apache-2.0
#pragma once

// Test support for running the JSON transcript tests a second time under the protobuf codec.
//
// The conversion here is written independently of the SDK's transcoder (src/core/
// proto_json.cpp): it parses JSON with nlohmann and uses libprotobuf's own JSON support
// (google::protobuf::util), so a transcript run under protobuf does not check the SDK's
// transcoder against itself. Raw-JSON fields (`*_json`) are the one rule libprotobuf does
// not know; they are carried as base64 of their JSON text on the way in and out.
//
// Example:
//   flowpb::capture::Request request;
//   auto frames = to_frames(read_file("spec.in.jsonl"), request);  // nullopt + reason if a
//                                                                  // line has no protobuf form
//   auto got = frames_to_json(output_bytes, response_prototype);
//   EXPECT_EQ(got, lines_to_normalized_json(expected_jsonl, response_prototype));

#include <google/protobuf/message.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flow::testing {

/// The JSON-lines transcript as protobuf frames (u32 little-endian length + message), one per
/// non-blank line. Returns nullopt, with `why` set, when a line has no protobuf equivalent:
/// malformed JSON (or a truncated line), or a request kind that `prototype` does not have.
/// Nested keys that name no field are dropped (a newer runtime's fields arrive as unknown
/// protobuf fields), and every frame carries the unknown field 100 (`$internal`).
std::optional<std::string> to_frames(std::string_view jsonl,
                                     google::protobuf::Message& prototype,
                                     std::string& why);

/// Decodes protobuf frames into their JSON form (json_name keys, raw JSON fields embedded,
/// proto3 defaults omitted). A trailing partial frame is reported as a final string element
/// `"<partial frame: N bytes>"`; a frame that does not parse as `prototype` as
/// `"<invalid frame>"`.
std::vector<nlohmann::json> frames_to_json(std::string_view bytes,
                                           google::protobuf::Message& prototype);

/// The JSON-lines responses in the same normalised form as frames_to_json(), by way of a
/// protobuf message, so defaults and key order compare equal. Throws std::runtime_error when
/// a line has no protobuf form.
std::vector<nlohmann::json> lines_to_normalized_json(std::string_view jsonl,
                                                     google::protobuf::Message& prototype);

/// One protobuf frame around the serialised `message`, followed by `unknown_fields` (raw
/// protobuf bytes of fields the message does not declare).
std::string frame(const google::protobuf::Message& message, std::string_view unknown_fields = {});

}  // namespace flow::testing
