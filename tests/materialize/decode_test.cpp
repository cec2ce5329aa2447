// SPDX-License-Identifier: Apache-2.0
// Decoding of materialize requests whose bindings name their collection by `collectionIndex`
// into `linkedCollections` (newer runtimes): the connector always sees the resolved
// CollectionSpec.

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>

#include "../common/ondemand_value.hpp"
#include "materialize/codec.hpp"

namespace {

namespace m = flow::materialize;
namespace od = simdjson::ondemand;
using flow::test::with_value;

/// The DecodeError message `fn(value of json)` throws, or "" if it does not throw.
template <class Fn>
std::string decode_error(const std::string& json, Fn&& fn) {
  std::string message;
  with_value(json, [&](od::value value) {
    try {
      fn(value);
    } catch (const flow::detail::DecodeError& e) {
      message = e.what();
    }
  });
  return message;
}

const std::string kLinkedCamel =
    R"("linkedCollections":[{"name":"acmeCo/zero","key":["/z"]},)"
    R"({"name":"acmeCo/one","key":["/id"],"projections":[{"ptr":"/id","field":"id"}]}])";
const std::string kLinkedSnake =
    R"("linked_collections":[{"name":"acmeCo/zero","key":["/z"]},)"
    R"({"name":"acmeCo/one","key":["/id"],"projections":[{"ptr":"/id","field":"id"}]}])";

TEST(MaterializeDecode, ValidateResolvesCollectionIndexCamelCase) {
  m::Validate validate;
  with_value(R"({"name":"acmeCo/mat","bindings":[)"
             R"({"resourceConfig":{"table":"a"},"collectionIndex":1,"groupBy":["id"]},)"
             R"({"resourceConfig":{"table":"b"},"backfill":2}],)" +
                 kLinkedCamel + "}",
             [&](od::value value) { validate = m::detail::decode_validate(value); });
  ASSERT_EQ(validate.bindings.size(), 2u);
  EXPECT_EQ(validate.bindings[0].collection.name, "acmeCo/one");
  ASSERT_EQ(validate.bindings[0].collection.projections.size(), 1u);
  EXPECT_EQ(validate.bindings[0].collection.projections[0].field, "id");
  EXPECT_EQ(validate.bindings[0].group_by, std::vector<std::string>{"id"});
  // No collectionIndex is index 0 (the proto3 default).
  EXPECT_EQ(validate.bindings[1].collection.name, "acmeCo/zero");
  EXPECT_EQ(validate.bindings[1].backfill, 2u);
}

TEST(MaterializeDecode, ValidateResolvesCollectionIndexSnakeCase) {
  m::Validate validate;
  with_value(
      R"({)" + kLinkedSnake +
          R"(,"bindings":[{"resource_config_json":{},"collection_index":1,"group_by":["id"]}],)"
          R"("last_materialization":{"bindings":[{"collection_index":0}],)"
          R"("linked_collections":[{"name":"acmeCo/previous"}]}})",
      [&](od::value value) { validate = m::detail::decode_validate(value); });
  ASSERT_EQ(validate.bindings.size(), 1u);
  EXPECT_EQ(validate.bindings[0].collection.name, "acmeCo/one");
  ASSERT_TRUE(validate.last_materialization.has_value());
  EXPECT_EQ(validate.last_materialization->bindings.at(0).collection.name, "acmeCo/previous");
}

TEST(MaterializeDecode, WithoutLinkedCollectionsBindingsKeepTheirInlineCollection) {
  m::Open open;
  with_value(R"({"materialization":{"bindings":[{"collection":{"name":"acmeCo/inline"}}]}})",
             [&](od::value value) { open = m::detail::decode_open(value); });
  ASSERT_EQ(open.materialization.bindings.size(), 1u);
  EXPECT_EQ(open.materialization.bindings[0].collection.name, "acmeCo/inline");
}

TEST(MaterializeDecode, OpenResolvesMaterializationSpecBindingsCamelCase) {
  m::Open open;
  with_value(R"({"materialization":{"name":"acmeCo/mat","bindings":[)"
             R"({"resourcePath":["a"],"collectionIndex":1,"fieldSelection":{"keys":["id"]}},)"
             R"({"resourcePath":["b"],"collectionIndex":1,"deltaUpdates":true}],)" +
                 kLinkedCamel + R"(},"version":"v1"})",
             [&](od::value value) { open = m::detail::decode_open(value); });
  ASSERT_EQ(open.materialization.bindings.size(), 2u);
  EXPECT_EQ(open.materialization.bindings[0].collection.name, "acmeCo/one");
  EXPECT_EQ(open.materialization.bindings[0].collection.key, std::vector<std::string>{"/id"});
  EXPECT_EQ(open.materialization.bindings[0].field_selection.keys, std::vector<std::string>{"id"});
  // Several bindings may share one collection.
  EXPECT_EQ(open.materialization.bindings[1].collection.name, "acmeCo/one");
  EXPECT_TRUE(open.materialization.bindings[1].delta_updates);
}

TEST(MaterializeDecode, ApplyResolvesMaterializationAndLastMaterializationSnakeCase) {
  m::Apply apply;
  with_value(R"({"materialization":{"bindings":[{"collection_index":1,"state_key":"k"}],)" +
                 kLinkedSnake +
                 R"(},"last_materialization":{"bindings":[{"collection_index":1}],)"
                 R"("linked_collections":[{"name":"a"},{"name":"b"}]},"version":"v2"})",
             [&](od::value value) { apply = m::detail::decode_apply(value); });
  ASSERT_EQ(apply.materialization.bindings.size(), 1u);
  EXPECT_EQ(apply.materialization.bindings[0].collection.name, "acmeCo/one");
  EXPECT_EQ(apply.materialization.bindings[0].state_key, "k");
  ASSERT_TRUE(apply.last_materialization.has_value());
  EXPECT_EQ(apply.last_materialization->bindings.at(0).collection.name, "b");
}

TEST(MaterializeDecode, CollectionIndexOutOfRangeIsAnErrorNamingTheField) {
  EXPECT_EQ(decode_error(R"({"bindings":[{},{"collectionIndex":2}],)" + kLinkedCamel + "}",
                         [](od::value v) { m::detail::decode_validate(v); }),
            "validate.bindings[1].collectionIndex 2 is out of range (2 linked collections)");
  EXPECT_EQ(decode_error(
                R"({"materialization":{"bindings":[{"collection_index":7}],)" + kLinkedSnake + "}}",
                [](od::value v) { m::detail::decode_open(v); }),
            "open.materialization.bindings[0].collectionIndex 7 is out of range (2 linked "
            "collections)");
  EXPECT_EQ(decode_error(R"({"materialization":{},"lastMaterialization":{"bindings":[)"
                         R"({"collectionIndex":1}],"linkedCollections":[{"name":"x"}]}})",
                         [](od::value v) { m::detail::decode_apply(v); }),
            "apply.lastMaterialization.bindings[0].collectionIndex 1 is out of range (1 linked "
            "collections)");
}

}  // namespace
