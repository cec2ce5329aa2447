// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <flow/error.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

/// The FoundationDB tuple layer, as Flow uses it for materialization keys and values
/// (`keyPacked` / `valuesPacked`, PROTOCOL.md §4.4).
///
/// Flow packs each JSON value of a key or of the selected values as one tuple element:
/// null → null, false/true → 0x26/0x27, integers → the integer codes, other numbers → double,
/// strings → string, and **arrays and objects → bytes holding their compact JSON text**.
/// So the JSON text of an element is its natural JSON form, except that a bytes element is
/// spliced as the JSON it holds (see append_element_json).
///
/// Example:
///   std::string packed = flow::tuple::pack({flow::tuple::Element::integer(1),
///                                           flow::tuple::Element::string("a")});
///   // packed == "\x15\x01\x02" "a" "\x00" (as bytes)
///   std::string json;
///   flow::tuple::append_json_array(json, packed);  // json == R"([1,"a"])"
namespace flow::tuple {

/// A malformed or unsupported packed tuple. `offset()` is the byte at fault.
///
/// Example:
///   try { flow::tuple::unpack(bytes); } catch (const flow::tuple::TupleError& e) { ... }
class TupleError : public Error {
 public:
  TupleError(std::size_t offset, const std::string& message)
      : Error("tuple byte " + std::to_string(offset) + ": " + message), offset_(offset) {}
  [[nodiscard]] std::size_t offset() const noexcept { return offset_; }

 private:
  std::size_t offset_;
};

/// Type codes of the tuple layer that this codec reads and writes.
namespace code {
inline constexpr std::uint8_t kNull = 0x00;
inline constexpr std::uint8_t kBytes = 0x01;
inline constexpr std::uint8_t kString = 0x02;
inline constexpr std::uint8_t kNested = 0x05;
inline constexpr std::uint8_t kNegativeArbitrary = 0x0b;  ///< length byte is one's complement
inline constexpr std::uint8_t kZero = 0x14;  ///< 0x0c..0x13: negative, 0x15..0x1c: positive
inline constexpr std::uint8_t kPositiveArbitrary = 0x1d;
inline constexpr std::uint8_t kFloat = 0x20;
inline constexpr std::uint8_t kDouble = 0x21;
inline constexpr std::uint8_t kFalse = 0x26;
inline constexpr std::uint8_t kTrue = 0x27;
inline constexpr std::uint8_t kUuid = 0x30;
inline constexpr std::uint8_t kEscape = 0xff;  ///< follows an embedded 0x00
}  // namespace code

enum class Kind { null, bytes, string, nested, integer, float32, float64, boolean, uuid };

/// One decoded tuple element. Integers keep a sign and a 64-bit magnitude, so both the whole
/// int64 and the whole uint64 range round-trip (Flow packs u64 values above INT64_MAX).
///
/// Example:
///   auto e = flow::tuple::Element::integer(-5);
///   e.kind == flow::tuple::Kind::integer && e.negative && e.magnitude == 5;
struct Element {
  Kind kind = Kind::null;
  std::string text;             ///< bytes or string contents, unescaped
  bool negative = false;        ///< integer sign
  std::uint64_t magnitude = 0;  ///< integer absolute value
  double number = 0;            ///< float32 or float64 value
  bool boolean = false;
  std::array<std::uint8_t, 16> uuid{};
  std::vector<Element> children;  ///< nested tuple

  static Element null() { return {}; }
  static Element bytes(std::string_view value);
  static Element string(std::string_view value);
  static Element integer(std::int64_t value);
  static Element unsigned_integer(std::uint64_t value);
  /// An integer given as sign and magnitude: the full ±(2^64-1) range the codes allow.
  static Element integer(bool negative, std::uint64_t magnitude);
  static Element float32(float value);
  static Element float64(double value);
  static Element from_bool(bool value);
  static Element from_uuid(const std::array<std::uint8_t, 16>& value);
  static Element nested(std::vector<Element> elements);

  /// The integer as int64; throws TupleError(0, …) when it does not fit.
  [[nodiscard]] std::int64_t as_int64() const;

  friend bool operator==(const Element& a, const Element& b);
};

// ---- Encoding ---------------------------------------------------------------------------

/// Appends the encoding of one element (top-level form) to `out`.
void append_packed(std::string& out, const Element& element);
/// The encoding of a tuple of elements.
std::string pack(const std::vector<Element>& elements);
/// Appends one JSON value as Flow packs it: null, bool, int64/uint64 as integers, other
/// numbers as double, strings as strings, arrays and objects as bytes of compact JSON.
void append_packed_json(std::string& out, const nlohmann::json& value);
/// The packed tuple of `values` (each packed with append_packed_json).
std::string pack_json(const std::vector<nlohmann::json>& values);

// ---- Decoding ---------------------------------------------------------------------------

/// Decodes a packed tuple into elements. Throws TupleError for unknown codes, truncation,
/// integers whose magnitude exceeds 64 bits, or a string element that is not valid UTF-8.
std::vector<Element> unpack(std::string_view packed);

/// Appends the JSON text of every element of `packed` as one JSON array, e.g. `[1,"a",{"b":2}]`.
/// The hot path for Store/Load: no allocation beyond the growth of `out`. Returns the number
/// of elements. Throws TupleError like unpack().
std::size_t append_json_array(std::string& out, std::string_view packed);

/// Appends the JSON text of one element (the value a field holds):
/// null/true/false; integers in decimal; doubles in shortest round-trip form (non-finite
/// values as the strings "NaN", "Infinity", "-Infinity", which JSON cannot express);
/// strings escaped; a nested tuple as an array; a UUID as its canonical 8-4-4-4-12 string;
/// bytes that hold one complete JSON object or array (how Flow carries them) spliced
/// verbatim, any other bytes as a base64 string. The output is always valid JSON.
void append_element_json(std::string& out, const Element& element);
/// append_element_json into a new string.
std::string element_json(const Element& element);

}  // namespace flow::tuple
