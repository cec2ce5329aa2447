// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

/// Messages shared by the capture, materialize and derive protocols (Flow's flow.proto), as
/// the SDK hands them to connector authors. Raw-JSON fields are nlohmann::json values; a
/// field the runtime omitted holds its proto3 default (0, "", false, empty, or null JSON).
namespace flow {

/// A key range of a split task; the defaults cover everything ("no split").
struct RangeSpec {
  std::uint32_t key_begin = 0;
  std::uint32_t key_end = 0xffffffff;
  std::uint32_t r_clock_begin = 0;
  std::uint32_t r_clock_end = 0xffffffff;
};

/// One projection of a collection (a field name for a document location).
// NOLINTNEXTLINE(bugprone-exception-escape): nlohmann::json members; moves do not throw.
struct Projection {
  std::string ptr{};
  std::string field{};
  bool explicit_ = false;
  bool is_partition_key = false;
  bool is_primary_key = false;
  nlohmann::json inference{};  ///< as sent; null when absent
};

/// A collection the task reads or writes.
// NOLINTNEXTLINE(bugprone-exception-escape): nlohmann::json members; moves do not throw.
struct CollectionSpec {
  std::string name{};
  nlohmann::json write_schema{};   ///< null when absent
  nlohmann::json read_schema{};    ///< null when absent: use write_schema
  std::vector<std::string> key{};  ///< JSON pointers
  std::string uuid_ptr{};
  std::vector<std::string> partition_fields{};
  std::vector<Projection> projections{};

  /// The schema documents must satisfy when read: read_schema if set, else write_schema.
  [[nodiscard]] const nlohmann::json& effective_read_schema() const {
    return read_schema.is_null() ? write_schema : read_schema;
  }
};

/// A state update from a connector: `updated` is merged into (merge_patch) or replaces the
/// previous state.
struct ConnectorState {
  nlohmann::json updated = nlohmann::json::object();
  bool merge_patch = true;
};

}  // namespace flow
