// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal: the `linkedCollections` table of newer runtimes (PROTOCOL.md, CaptureSpec,
// MaterializationSpec, Derivation and the validate requests). A message whose table is
// non-empty names each binding's (or transform's) collection by `collectionIndex` instead of
// inlining `collection`; the decoders resolve every index here, so a connector always sees
// the CollectionSpec itself. Shared by capture, materialize and derive.

#include <cstdint>
#include <flow/protocol/common.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/request_decoder.hpp"

namespace flow::detail {

/// How one binding named its collection, as read from the request.
struct CollectionRef {
  bool has_inline = false;  ///< the binding carried `collection` itself
  std::uint32_t index = 0;  ///< its `collectionIndex` (proto3 default 0 when absent)
};

/// Resolves `collectionIndex` against a message's `linkedCollections`. The table may come
/// before or after the bindings, so each binding's reference is noted while decoding and
/// resolved once the whole message has been read. With an empty table every binding keeps
/// the collection it inlined; with a table, a binding that inlined its own collection keeps
/// it, and every other binding gets `table[collectionIndex]`. An index outside the table is a
/// DecodeError naming `<field>[i].collectionIndex`.
///
/// Example:
///   LinkedCollections linked;
///   for each binding: { CollectionRef ref; ...decode, setting ref...; linked.add(ref); }
///   on "linkedCollections": linked.decode_table(value, "validate.linkedCollections");
///   linked.resolve(request.bindings, "validate.bindings");
class LinkedCollections {
 public:
  /// Notes the next binding's reference (call once per binding, in order).
  void add(CollectionRef ref) { refs_.push_back(ref); }

  /// Reads the `linkedCollections` array (a list of CollectionSpec).
  void decode_table(od::value value, std::string_view field);

  /// Sets `items[i].collection` from the table for every item that named it by index.
  template <class T>
  void resolve(std::vector<T>& items, std::string_view field) const {
    if (table_.empty()) {
      return;
    }
    for (std::size_t i = 0; i < items.size() && i < refs_.size(); ++i) {
      if (refs_[i].has_inline) {
        continue;
      }
      items[i].collection = at(i, field);
    }
  }

 private:
  const CollectionSpec& at(std::size_t item, std::string_view field) const;

  std::vector<CollectionRef> refs_;
  std::vector<CollectionSpec> table_;
};

}  // namespace flow::detail
