// SPDX-License-Identifier: Apache-2.0
#include <array>
#include <charconv>
#include <cmath>
#include <flow/json_writer.hpp>
#include <stdexcept>
#include <system_error>

namespace flow {

namespace {

// Characters that need escaping in a JSON string: '"', '\\' and control characters < 0x20.
// Everything else (including UTF-8 multi-byte sequences and DEL) is written as it is.
constexpr std::array<bool, 256> make_escape_table() {
  std::array<bool, 256> table{};
  for (int c = 0; c < 0x20; ++c) {
    table[static_cast<std::size_t>(c)] = true;
  }
  table['"'] = true;
  table['\\'] = true;
  return table;
}
constexpr auto kNeedsEscape = make_escape_table();

}  // namespace

void JsonWriter::append_escaped(std::string& out, std::string_view value) {
  constexpr char kHex[] = "0123456789abcdef";
  std::size_t run_start = 0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (!kNeedsEscape[c]) {
      continue;
    }
    out.append(value.data() + run_start, i - run_start);
    run_start = i + 1;
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      case '\b':
        out.append("\\b");
        break;
      case '\f':
        out.append("\\f");
        break;
      default: {
        const char escaped[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]};
        out.append(escaped, sizeof(escaped));
      }
    }
  }
  out.append(value.data() + run_start, value.size() - run_start);
}

void JsonWriter::comma() {
  if (need_comma_) {
    out_.push_back(',');
  }
}

JsonWriter& JsonWriter::begin_object() {
  comma();
  out_.push_back('{');
  need_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::end_object() {
  out_.push_back('}');
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::begin_array() {
  comma();
  out_.push_back('[');
  need_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::end_array() {
  out_.push_back(']');
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
  comma();
  out_.push_back('"');
  append_escaped(out_, name);
  out_.append("\":");
  need_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::string(std::string_view value) {
  comma();
  out_.push_back('"');
  append_escaped(out_, value);
  out_.push_back('"');
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::number(std::uint64_t value) {
  comma();
  char buf[24];
  auto result = std::to_chars(std::begin(buf), std::end(buf), value);
  out_.append(buf, result.ptr);
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::number(std::int64_t value) {
  comma();
  char buf[24];
  auto result = std::to_chars(std::begin(buf), std::end(buf), value);
  out_.append(buf, result.ptr);
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::number(double value) {
  if (!std::isfinite(value)) {
    // JSON has no NaN or infinity; writing one would make the whole line unparseable.
    throw std::invalid_argument("JSON cannot represent a non-finite number");
  }
  comma();
  char buf[32];
  auto result = std::to_chars(std::begin(buf), std::end(buf), value);
  out_.append(buf, result.ptr);
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::boolean(bool value) {
  comma();
  out_.append(value ? "true" : "false");
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::raw(std::string_view json) {
  comma();
  out_.append(json);
  need_comma_ = true;
  return *this;
}

}  // namespace flow
