// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal: transcoding between protobuf messages and the protocol's JSON form, driven by
// the message descriptors (reflection), for the cold path of the protobuf codec. Requests
// such as Open are transcoded to JSON and decoded by the same decoders as the JSON codec,
// and cold responses (spec, validated, checkpoint, …) are encoded as JSON once and
// transcoded into protobuf, so both codecs give the same structs and the same responses.
// The hot messages (load, store, read; captured, loaded, published) never come here.
//
// The mapping is the runtime's own JSON codec (PROTOCOL.md §1.7):
// - keys are the fields' json_name (lowerCamelCase, or the json_name option);
// - a string field whose proto name ends in `_json` holds JSON text and is embedded as a
//   raw JSON value (and a map whose name ends in `_json_map` has raw JSON values);
// - 64-bit integers are decimal strings (numbers are accepted too), bytes are base64, enums
//   are their value names (numbers accepted), and proto3 defaults are omitted.
//
// Example:
//   std::string json;
//   message_to_json(request, json);   // {"open":{"capture":{…},"state":{}}}
//   json_to_message(json, response);  // throws flow::Error on a key with no field

#include <google/protobuf/message.h>

#include <string>
#include <string_view>

namespace flow::detail {

/// Appends `message` as one compact JSON object (no newline).
void message_to_json(const google::protobuf::Message& message, std::string& out);

/// Clears `message` and fills it from the JSON object `json`. Strict: a key that names no
/// field, or a value of the wrong type, throws flow::Error naming its path.
void json_to_message(std::string_view json, google::protobuf::Message& message);

}  // namespace flow::detail
