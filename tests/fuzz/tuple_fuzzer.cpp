// SPDX-License-Identifier: Apache-2.0
// Fuzzes the FDB tuple decoder (flow::tuple, materialize keyPacked/valuesPacked): the input
// is a packed tuple. Both decoders must agree: unpack() and append_json_array() accept the
// same inputs and count the same elements; the JSON array, and every element rendered with
// append_element_json, is valid JSON; and re-packing what unpack() returned decodes again.
// flow::tuple::TupleError is expected.

#include <cstddef>
#include <cstdint>
#include <flow/tuple.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "fuzz_lines.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view packed(reinterpret_cast<const char*>(data), size);

  bool unpacked_ok = false;
  std::vector<flow::tuple::Element> elements;
  try {
    elements = flow::tuple::unpack(packed);
    unpacked_ok = true;
  } catch (const flow::tuple::TupleError&) {
  }

  bool json_ok = false;
  std::size_t count = 0;
  std::string json;
  try {
    count = flow::tuple::append_json_array(json, packed);
    json_ok = true;
  } catch (const flow::tuple::TupleError&) {
  }

  if (unpacked_ok != json_ok) {
    flow::fuzz::invariant_failed("unpack() and append_json_array() disagree on validity");
  }
  if (!unpacked_ok) {
    return 0;
  }
  if (count != elements.size()) {
    flow::fuzz::invariant_failed("append_json_array() counted a different number of elements");
  }
  if (!nlohmann::json::accept(json)) {
    flow::fuzz::invariant_failed("append_json_array() wrote invalid JSON");
  }
  std::string element_text;
  for (const auto& element : elements) {
    element_text.clear();
    flow::tuple::append_element_json(element_text, element);
    if (!nlohmann::json::accept(element_text)) {
      flow::fuzz::invariant_failed("append_element_json() wrote invalid JSON");
    }
  }
  const std::string repacked = flow::tuple::pack(elements);
  if (flow::tuple::unpack(repacked).size() != elements.size()) {
    flow::fuzz::invariant_failed("re-packed tuple decodes to a different number of elements");
  }
  return 0;
}
