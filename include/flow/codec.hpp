// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string_view>

namespace flow {

/// The wire format between the Flow runtime and a connector (PROTOCOL.md §1.3–1.5).
///
/// - `json`: one compact JSON object per line, both directions.
/// - `protobuf`: each message is a 4-byte little-endian length, then that many bytes of the
///   protobuf-encoded Request or Response.
///
/// Both carry the same messages, and a connector behaves the same under either: the SDK
/// decodes both into the same request structs and encodes the same responses.
///
/// Example:
///   flow::materialize::ServeOptions options;
///   options.codec = flow::codec_from_environment();  // what run() does
enum class Codec { json, protobuf };

/// The codec named by the FLOW_RUNTIME_CODEC environment variable: `json`, or `proto` /
/// `protobuf`. Unset or empty means JSON: the runtime speaks JSON to a local connector
/// unless its flow.yaml says `protobuf: true`, and it does not tell the process; a connector
/// image declares its codec with both `LABEL` and `ENV FLOW_RUNTIME_CODEC` (see the
/// Dockerfile), so the process always knows. Any other value throws flow::ConfigError.
Codec codec_from_environment();

/// Parses a codec name as codec_from_environment() does ("" is JSON).
Codec parse_codec(std::string_view name);

/// "json" or "protobuf".
std::string_view codec_name(Codec codec) noexcept;

}  // namespace flow
