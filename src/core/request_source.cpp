// SPDX-License-Identifier: Apache-2.0
#include "core/request_source.hpp"

#include <flow/error.hpp>

#include "core/proto_json.hpp"

namespace flow::detail {

RequestSource::RequestSource(int fd,
                             Codec codec,
                             google::protobuf::Message& message,
                             std::uint32_t hot_field_a,
                             std::uint32_t hot_field_b,
                             std::size_t read_block)
    : codec_(codec), message_(message), hot_field_a_(hot_field_a), hot_field_b_(hot_field_b) {
  if (codec == Codec::json) {
    lines_.emplace(fd, read_block);
  } else {
    frames_.emplace(fd, read_block);
  }
}

void RequestSource::set_cancel(const std::function<bool()>& cancelled) {
  if (lines_) {
    lines_->set_cancel(cancelled);
  } else {
    frames_->set_cancel(cancelled);
  }
}

bool RequestSource::cancelled() const noexcept {
  return lines_ ? lines_->cancelled() : frames_->cancelled();
}

std::size_t RequestSource::count() const noexcept {
  return lines_ ? lines_->line_count() : frames_->frame_count();
}

std::optional<Incoming> RequestSource::next() {
  if (lines_) {
    auto line = lines_->next();
    if (!line) {
      return std::nullopt;
    }
    return Incoming{.line = *line, .protobuf = false, .hot = std::nullopt};
  }
  auto frame = frames_->next();
  if (!frame) {
    return std::nullopt;
  }
  current_ = frame->number;
  hot_frame_ = {};
  if (hot_field_a_ != 0) {
    if (auto hot = proto_reader::single_field(frame->bytes, hot_field_a_, hot_field_b_)) {
      hot_frame_ = frame->bytes;
      Incoming incoming;
      incoming.line.number = frame->number;
      incoming.protobuf = true;
      incoming.hot = hot;
      return incoming;
    }
  }
  parse_frame(frame->bytes, frame->number);
  Incoming incoming;
  incoming.line.number = frame->number;
  incoming.protobuf = true;
  return incoming;
}

void RequestSource::parse_frame(std::string_view frame, std::size_t number) {
  if (frame.size() > static_cast<std::size_t>(INT32_MAX) ||
      !message_.ParseFromArray(frame.data(), static_cast<int>(frame.size()))) {
    throw ProtocolError(number, "frame of " + std::to_string(frame.size()) +
                                    " bytes is not a valid " +
                                    message_.GetDescriptor()->full_name() + " message");
  }
}

Line RequestSource::json_line() {
  if (!hot_frame_.empty()) {
    parse_frame(hot_frame_, current_);
    hot_frame_ = {};
  }
  json_.clear();
  message_to_json(message_, json_);
  const std::size_t size = json_.size();
  json_.resize(size + LineReader::kLinePadding, ' ');
  return Line{.text = std::string_view(json_.data(), size),
              .capacity = json_.size(),
              .number = current_,
              .terminated = true};
}

}  // namespace flow::detail
