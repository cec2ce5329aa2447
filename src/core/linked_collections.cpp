// SPDX-License-Identifier: Apache-2.0
#include "core/linked_collections.hpp"

namespace flow::detail {

void LinkedCollections::decode_table(od::value value, std::string_view field) {
  table_.clear();
  for_each_element(value, field,
                   [&](od::value element) { table_.push_back(decode_collection(element)); });
}

const CollectionSpec& LinkedCollections::at(std::size_t item, std::string_view field) const {
  const std::uint32_t index = refs_[item].index;
  if (index >= table_.size()) {
    throw DecodeError(std::string(field) + "[" + std::to_string(item) + "].collectionIndex " +
                      std::to_string(index) + " is out of range (" + std::to_string(table_.size()) +
                      " linked collections)");
  }
  return table_[index];
}

}  // namespace flow::detail
