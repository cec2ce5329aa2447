// SPDX-License-Identifier: Apache-2.0
// The FoundationDB tuple codec (see include/flow/tuple.hpp and PROTOCOL.md §4.4).

#include <simdjson.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <flow/json_writer.hpp>
#include <flow/tuple.hpp>
#include <limits>

#include "core/base64.hpp"

namespace flow::tuple {
namespace {

// ---- Encoding helpers -------------------------------------------------------------------

// Appends `value`'s low `length` bytes, big-endian.
void append_big_endian(std::string& out, std::uint64_t value, int length) {
  for (int i = length - 1; i >= 0; --i) {
    out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
  }
}

// Bytes needed for a non-zero magnitude: 1..8.
int byte_length(std::uint64_t magnitude) {
  return (64 - std::countl_zero(magnitude) + 7) / 8;
}

// All-ones in the low `length` bytes.
std::uint64_t low_bytes_mask(int length) {
  return length >= 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * length)) - 1;
}

void append_integer(std::string& out, bool negative, std::uint64_t magnitude) {
  if (magnitude == 0) {
    out.push_back(static_cast<char>(code::kZero));
    return;
  }
  const int length = byte_length(magnitude);
  if (negative) {
    // Negative integers are stored as the one's complement of the magnitude, so that their
    // byte order matches numeric order; fewer bytes (a larger code) means closer to zero.
    out.push_back(static_cast<char>(code::kZero - length));
    append_big_endian(out, ~magnitude & low_bytes_mask(length), length);
  } else {
    out.push_back(static_cast<char>(code::kZero + length));
    append_big_endian(out, magnitude, length);
  }
}

// Bytes and strings: every 0x00 becomes 0x00 0xff; a bare 0x00 terminates.
void append_escaped_bytes(std::string& out, std::uint8_t type, std::string_view bytes) {
  out.push_back(static_cast<char>(type));
  for (const char c : bytes) {
    out.push_back(c);
    if (c == '\0') {
      out.push_back(static_cast<char>(code::kEscape));
    }
  }
  out.push_back('\0');
}

// Sign-flip encoding: positive values flip the sign bit, negative values flip every bit,
// so that the bytes sort like the numbers.
template <class Bits>
Bits flip_for_encoding(Bits bits) {
  constexpr Bits kSign = Bits{1} << (sizeof(Bits) * 8 - 1);
  return (bits & kSign) != 0 ? static_cast<Bits>(~bits) : static_cast<Bits>(bits ^ kSign);
}

template <class Bits>
Bits flip_for_decoding(Bits bits) {
  constexpr Bits kSign = Bits{1} << (sizeof(Bits) * 8 - 1);
  return (bits & kSign) != 0 ? static_cast<Bits>(bits ^ kSign) : static_cast<Bits>(~bits);
}

void append_element(std::string& out, const Element& element, bool nested) {
  switch (element.kind) {
    case Kind::null:
      out.push_back(static_cast<char>(code::kNull));
      if (nested) {
        out.push_back(static_cast<char>(code::kEscape));  // inside a nested tuple
      }
      break;
    case Kind::bytes:
      append_escaped_bytes(out, code::kBytes, element.text);
      break;
    case Kind::string:
      append_escaped_bytes(out, code::kString, element.text);
      break;
    case Kind::nested:
      out.push_back(static_cast<char>(code::kNested));
      for (const Element& child : element.children) {
        append_element(out, child, true);
      }
      out.push_back('\0');
      break;
    case Kind::integer:
      append_integer(out, element.negative, element.magnitude);
      break;
    case Kind::float32:
      out.push_back(static_cast<char>(code::kFloat));
      append_big_endian(
          out, flip_for_encoding(std::bit_cast<std::uint32_t>(static_cast<float>(element.number))),
          4);
      break;
    case Kind::float64:
      out.push_back(static_cast<char>(code::kDouble));
      append_big_endian(out, flip_for_encoding(std::bit_cast<std::uint64_t>(element.number)), 8);
      break;
    case Kind::boolean:
      out.push_back(static_cast<char>(element.boolean ? code::kTrue : code::kFalse));
      break;
    case Kind::uuid:
      out.push_back(static_cast<char>(code::kUuid));
      out.append(reinterpret_cast<const char*>(element.uuid.data()), element.uuid.size());
      break;
  }
}

// ---- Decoding: a cursor over the packed bytes --------------------------------------------

class Cursor {
 public:
  explicit Cursor(std::string_view bytes) : bytes_(bytes) {}

  [[nodiscard]] bool done() const { return pos_ >= bytes_.size(); }
  [[nodiscard]] std::size_t pos() const { return pos_; }
  std::uint8_t peek() const { return static_cast<std::uint8_t>(bytes_[pos_]); }
  [[nodiscard]] bool has(std::size_t n) const { return bytes_.size() - pos_ >= n; }

  // Inside a nested tuple, a 0x00 not followed by the 0xff escape ends the tuple.
  [[nodiscard]] bool at_nested_end() const {
    return peek() == code::kNull &&
           !(has(2) && static_cast<std::uint8_t>(bytes_[pos_ + 1]) == code::kEscape);
  }

  std::uint8_t take() {
    need(1, "a byte");
    return static_cast<std::uint8_t>(bytes_[pos_++]);
  }

  std::string_view take_span(std::size_t n, const char* what) {
    need(n, what);
    std::string_view span = bytes_.substr(pos_, n);
    pos_ += n;
    return span;
  }

  void need(std::size_t n, const char* what) const {
    if (!has(n)) {
      throw TupleError(pos_, std::string("truncated tuple: expected ") + what);
    }
  }

  // Calls segment(view) for each run of bytes between escaped NULs of a bytes/string
  // element, and nul() for each escaped NUL; consumes the terminator. A string element
  // (`utf8`) must be valid UTF-8: a multi-byte sequence never holds a NUL, so each run is
  // checked on its own.
  template <class Segment, class Nul>
  void take_escaped(Segment&& segment, Nul&& nul, bool utf8 = false) {
    const std::size_t start = pos_;
    for (;;) {
      const void* found = std::memchr(bytes_.data() + pos_, 0, bytes_.size() - pos_);
      if (found == nullptr) {
        throw TupleError(start, "unterminated bytes or string element");
      }
      const auto at = static_cast<std::size_t>(static_cast<const char*>(found) - bytes_.data());
      if (utf8 && !simdjson::validate_utf8(bytes_.data() + pos_, at - pos_)) {
        throw TupleError(start - 1, "string element is not valid UTF-8");
      }
      segment(bytes_.substr(pos_, at - pos_));
      if (at + 1 < bytes_.size() && static_cast<std::uint8_t>(bytes_[at + 1]) == code::kEscape) {
        nul();
        pos_ = at + 2;
      } else {
        pos_ = at + 1;
        return;
      }
    }
  }

 private:
  std::string_view bytes_;
  std::size_t pos_ = 0;
};

std::uint64_t read_big_endian(std::string_view bytes, bool complement) {
  std::uint64_t value = 0;
  for (const char c : bytes) {
    auto byte = static_cast<std::uint8_t>(c);
    if (complement) {
      byte = static_cast<std::uint8_t>(~byte);
    }
    value = (value << 8) | byte;
  }
  return value;
}

// Decodes the integer starting at the cursor (its type code already taken).
void read_integer(Cursor& cursor, std::uint8_t type, bool& negative, std::uint64_t& magnitude) {
  const std::size_t start = cursor.pos() - 1;
  if (type == code::kPositiveArbitrary || type == code::kNegativeArbitrary) {
    negative = type == code::kNegativeArbitrary;
    std::size_t length = cursor.take();
    if (negative) {
      length ^= 0xff;  // the length byte of a negative is complemented as well
    }
    std::string_view body = cursor.take_span(length, "integer bytes");
    // Leading zero bytes of the magnitude (0xff when complemented) carry no value.
    const char pad = negative ? '\xff' : '\0';
    while (body.size() > 8 && body.front() == pad) {
      body.remove_prefix(1);
    }
    if (body.size() > 8) {
      throw TupleError(start, "integer of " + std::to_string(length) +
                                  " bytes does not fit in 64 bits (unsupported by this SDK)");
    }
    magnitude = read_big_endian(body, negative);
    return;
  }
  if (type > code::kZero) {
    negative = false;
    magnitude = read_big_endian(cursor.take_span(type - code::kZero, "integer bytes"), false);
  } else {
    negative = true;
    const int length = code::kZero - type;
    magnitude =
        read_big_endian(cursor.take_span(static_cast<std::size_t>(length), "integer bytes"), true);
    magnitude &= low_bytes_mask(length);
  }
  if (magnitude == 0) {
    negative = false;
  }
}

bool is_integer_code(std::uint8_t type) {
  return type >= code::kNegativeArbitrary && type <= code::kPositiveArbitrary;
}

std::string code_name(std::uint8_t type) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string name = "unsupported type code 0x";
  name.push_back(kHex[type >> 4]);
  name.push_back(kHex[type & 15]);
  return name;
}

// Nested tuples are decoded recursively; a bound keeps a hostile input (a key of 0x05 bytes)
// from overflowing the stack. Flow's keys nest not at all.
constexpr std::size_t kMaxNesting = 100;

void check_nesting(const Cursor& cursor, std::size_t depth) {
  if (depth >= kMaxNesting) {
    throw TupleError(cursor.pos() - 1,
                     "tuples nested more than " + std::to_string(kMaxNesting) + " levels deep");
  }
}

// Reads one element (type code included) into `element`. Inside a nested tuple (depth > 0), a
// 0x00 not followed by 0xff ends the tuple: the caller checks for that before calling.
void read_element(Cursor& cursor, Element& element, std::size_t depth) {
  const bool nested = depth > 0;
  const std::uint8_t type = cursor.take();
  if (type == code::kNull) {
    element = Element::null();
    if (nested) {
      cursor.take();  // the 0xff escape, checked by the caller
    }
    return;
  }
  if (type == code::kBytes || type == code::kString) {
    element.kind = type == code::kBytes ? Kind::bytes : Kind::string;
    element.text.clear();
    cursor.take_escaped([&](std::string_view s) { element.text.append(s); },
                        [&] { element.text.push_back('\0'); }, type == code::kString);
    return;
  }
  if (type == code::kNested) {
    check_nesting(cursor, depth);
    element.kind = Kind::nested;
    element.children.clear();
    for (;;) {
      cursor.need(1, "the end of a nested tuple");
      if (cursor.at_nested_end()) {
        cursor.take();
        return;
      }
      element.children.emplace_back();
      read_element(cursor, element.children.back(), depth + 1);
    }
  }
  if (is_integer_code(type)) {
    element.kind = Kind::integer;
    read_integer(cursor, type, element.negative, element.magnitude);
    return;
  }
  if (type == code::kFloat) {
    element.kind = Kind::float32;
    const auto bits =
        static_cast<std::uint32_t>(read_big_endian(cursor.take_span(4, "a float"), false));
    element.number = std::bit_cast<float>(flip_for_decoding(bits));
    return;
  }
  if (type == code::kDouble) {
    element.kind = Kind::float64;
    element.number = std::bit_cast<double>(
        flip_for_decoding(read_big_endian(cursor.take_span(8, "a double"), false)));
    return;
  }
  if (type == code::kFalse || type == code::kTrue) {
    element.kind = Kind::boolean;
    element.boolean = type == code::kTrue;
    return;
  }
  if (type == code::kUuid) {
    element.kind = Kind::uuid;
    std::memcpy(element.uuid.data(), cursor.take_span(16, "a UUID").data(), 16);
    return;
  }
  throw TupleError(cursor.pos() - 1, code_name(type));
}

// ---- JSON text ----------------------------------------------------------------------------

void append_unsigned(std::string& out, std::uint64_t value) {
  char buffer[24];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
}

void append_integer_json(std::string& out, bool negative, std::uint64_t magnitude) {
  if (negative) {
    out.push_back('-');
  }
  append_unsigned(out, magnitude);
}

template <class Float>
void append_float_json(std::string& out, Float value) {
  if (std::isnan(value)) {
    out.append(R"("NaN")");
  } else if (std::isinf(value)) {
    out.append(value > 0 ? R"("Infinity")" : R"("-Infinity")");
  } else {
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    out.append(buffer, result.ptr);
  }
}

void append_uuid_json(std::string& out, const std::uint8_t* bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) {
      out.push_back('-');
    }
    out.push_back(kHex[bytes[i] >> 4]);
    out.push_back(kHex[bytes[i] & 15]);
  }
  out.push_back('"');
}

// Whether `bytes` is how Flow packs an object or array: one complete JSON container (valid
// UTF-8, nothing after it). Anything else is not spliced, so the JSON we emit stays valid.
bool holds_json_container(std::string_view bytes) {
  if (bytes.empty() || (bytes.front() != '{' && bytes.front() != '[')) {
    return false;
  }
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element ignored;
  return parser.parse(bytes.data(), bytes.size(), true).get(ignored) == simdjson::SUCCESS;
}

void append_base64_string(std::string& out, std::string_view bytes) {
  out.push_back('"');
  flow::detail::base64_encode(out, bytes);
  out.push_back('"');
}

void append_bytes_json(std::string& out, std::string_view bytes) {
  if (holds_json_container(bytes)) {
    out.append(bytes);
  } else {
    append_base64_string(out, bytes);
  }
}

// Streams one element (type code at the cursor) as JSON, without building an Element.
void stream_element_json(std::string& out, Cursor& cursor, std::size_t depth) {
  const bool nested = depth > 0;
  const std::uint8_t type = cursor.take();
  switch (type) {
    case code::kNull:
      if (nested) {
        cursor.take();
      }
      out.append("null");
      return;
    case code::kString:
      out.push_back('"');
      cursor.take_escaped([&](std::string_view s) { JsonWriter::append_escaped(out, s); },
                          [&] { out.append("\\u0000"); }, true);
      out.push_back('"');
      return;
    case code::kBytes: {
      // JSON text holds no NUL bytes, so a container splices straight from the input; any
      // other bytes (never sent by Flow) are collected and base64-encoded.
      const std::size_t mark = out.size();
      bool escaped_nul = false;
      cursor.take_escaped([&](std::string_view s) { out.append(s); },
                          [&] {
                            out.push_back('\0');
                            escaped_nul = true;
                          });
      std::string_view body(out.data() + mark, out.size() - mark);
      if (escaped_nul || !holds_json_container(body)) {
        const std::string raw(body);
        out.resize(mark);
        append_base64_string(out, raw);
      }
      return;
    }
    case code::kNested: {
      check_nesting(cursor, depth);
      out.push_back('[');
      bool first = true;
      for (;;) {
        cursor.need(1, "the end of a nested tuple");
        if (cursor.at_nested_end()) {
          cursor.take();
          out.push_back(']');
          return;
        }
        if (!first) {
          out.push_back(',');
        }
        first = false;
        stream_element_json(out, cursor, depth + 1);
      }
    }
    case code::kFalse:
      out.append("false");
      return;
    case code::kTrue:
      out.append("true");
      return;
    case code::kUuid:
      append_uuid_json(
          out, reinterpret_cast<const std::uint8_t*>(cursor.take_span(16, "a UUID").data()));
      return;
    case code::kFloat: {
      const auto bits =
          static_cast<std::uint32_t>(read_big_endian(cursor.take_span(4, "a float"), false));
      append_float_json(out, std::bit_cast<float>(flip_for_decoding(bits)));
      return;
    }
    case code::kDouble:
      append_float_json(out, std::bit_cast<double>(flip_for_decoding(
                                 read_big_endian(cursor.take_span(8, "a double"), false))));
      return;
    default:
      break;
  }
  if (is_integer_code(type)) {
    bool negative = false;
    std::uint64_t magnitude = 0;
    read_integer(cursor, type, negative, magnitude);
    append_integer_json(out, negative, magnitude);
    return;
  }
  throw TupleError(cursor.pos() - 1, code_name(type));
}

}  // namespace

// ---- Element ------------------------------------------------------------------------------

Element Element::bytes(std::string_view value) {
  Element e;
  e.kind = Kind::bytes;
  e.text = value;
  return e;
}

Element Element::string(std::string_view value) {
  Element e;
  e.kind = Kind::string;
  e.text = value;
  return e;
}

Element Element::integer(std::int64_t value) {
  // Negating INT64_MIN overflows, so work in unsigned arithmetic.
  const bool negative = value < 0;
  const auto magnitude =
      negative ? ~static_cast<std::uint64_t>(value) + 1 : static_cast<std::uint64_t>(value);
  return integer(negative, magnitude);
}

Element Element::unsigned_integer(std::uint64_t value) {
  return integer(false, value);
}

Element Element::integer(bool negative, std::uint64_t magnitude) {
  Element e;
  e.kind = Kind::integer;
  e.negative = negative && magnitude != 0;
  e.magnitude = magnitude;
  return e;
}

Element Element::float32(float value) {
  Element e;
  e.kind = Kind::float32;
  e.number = value;
  return e;
}

Element Element::float64(double value) {
  Element e;
  e.kind = Kind::float64;
  e.number = value;
  return e;
}

Element Element::from_bool(bool value) {
  Element e;
  e.kind = Kind::boolean;
  e.boolean = value;
  return e;
}

Element Element::from_uuid(const std::array<std::uint8_t, 16>& value) {
  Element e;
  e.kind = Kind::uuid;
  e.uuid = value;
  return e;
}

Element Element::nested(std::vector<Element> elements) {
  Element e;
  e.kind = Kind::nested;
  e.children = std::move(elements);
  return e;
}

std::int64_t Element::as_int64() const {
  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (kind != Kind::integer) {
    throw TupleError(0, "element is not an integer");
  }
  if (!negative && magnitude <= kMax) {
    return static_cast<std::int64_t>(magnitude);
  }
  if (negative && magnitude <= kMax + 1) {
    return static_cast<std::int64_t>(~magnitude + 1);  // two's complement of the magnitude
  }
  throw TupleError(0, "integer does not fit in int64");
}

bool operator==(const Element& a, const Element& b) {
  if (a.kind != b.kind) {
    return false;
  }
  switch (a.kind) {
    case Kind::null:
      return true;
    case Kind::bytes:
    case Kind::string:
      return a.text == b.text;
    case Kind::nested:
      return a.children == b.children;
    case Kind::integer:
      return a.negative == b.negative && a.magnitude == b.magnitude;
    case Kind::float32:
    case Kind::float64:
      // Compare bit patterns so NaN round trips compare equal.
      return std::bit_cast<std::uint64_t>(a.number) == std::bit_cast<std::uint64_t>(b.number);
    case Kind::boolean:
      return a.boolean == b.boolean;
    case Kind::uuid:
      return a.uuid == b.uuid;
  }
  return false;
}

// ---- Public functions ---------------------------------------------------------------------

void append_packed(std::string& out, const Element& element) {
  append_element(out, element, false);
}

std::string pack(const std::vector<Element>& elements) {
  std::string out;
  for (const Element& element : elements) {
    append_packed(out, element);
  }
  return out;
}

void append_packed_json(std::string& out, const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::null:
      append_element(out, Element::null(), false);
      break;
    case nlohmann::json::value_t::boolean:
      out.push_back(static_cast<char>(value.get<bool>() ? code::kTrue : code::kFalse));
      break;
    case nlohmann::json::value_t::number_unsigned:
      append_integer(out, false, value.get<std::uint64_t>());
      break;
    case nlohmann::json::value_t::number_integer: {
      const Element e = Element::integer(value.get<std::int64_t>());
      append_integer(out, e.negative, e.magnitude);
      break;
    }
    case nlohmann::json::value_t::number_float:
      append_element(out, Element::float64(value.get<double>()), false);
      break;
    case nlohmann::json::value_t::string:
      append_escaped_bytes(out, code::kString, value.get_ref<const std::string&>());
      break;
    case nlohmann::json::value_t::object:
    case nlohmann::json::value_t::array:
      append_escaped_bytes(out, code::kBytes, value.dump());
      break;
    default:
      throw TupleError(out.size(),
                       "cannot pack JSON value of type " + std::string(value.type_name()));
  }
}

std::string pack_json(const std::vector<nlohmann::json>& values) {
  std::string out;
  for (const auto& value : values) {
    append_packed_json(out, value);
  }
  return out;
}

std::vector<Element> unpack(std::string_view packed) {
  std::vector<Element> elements;
  Cursor cursor(packed);
  while (!cursor.done()) {
    elements.emplace_back();
    read_element(cursor, elements.back(), 0);
  }
  return elements;
}

std::size_t append_json_array(std::string& out, std::string_view packed) {
  Cursor cursor(packed);
  std::size_t count = 0;
  out.push_back('[');
  while (!cursor.done()) {
    if (count++ != 0) {
      out.push_back(',');
    }
    stream_element_json(out, cursor, 0);
  }
  out.push_back(']');
  return count;
}

void append_element_json(std::string& out, const Element& element) {
  switch (element.kind) {
    case Kind::null:
      out.append("null");
      break;
    case Kind::bytes:
      append_bytes_json(out, element.text);
      break;
    case Kind::string:
      out.push_back('"');
      JsonWriter::append_escaped(out, element.text);
      out.push_back('"');
      break;
    case Kind::nested: {
      out.push_back('[');
      bool first = true;
      for (const Element& child : element.children) {
        if (!first) {
          out.push_back(',');
        }
        first = false;
        append_element_json(out, child);
      }
      out.push_back(']');
      break;
    }
    case Kind::integer:
      append_integer_json(out, element.negative, element.magnitude);
      break;
    case Kind::float32:
      append_float_json(out, static_cast<float>(element.number));
      break;
    case Kind::float64:
      append_float_json(out, element.number);
      break;
    case Kind::boolean:
      out.append(element.boolean ? "true" : "false");
      break;
    case Kind::uuid:
      append_uuid_json(out, element.uuid.data());
      break;
  }
}

std::string element_json(const Element& element) {
  std::string out;
  append_element_json(out, element);
  return out;
}

}  // namespace flow::tuple
