// unit_subscriber: what a unit authority needs from a connected client, so that src/unit does not
// depend on the network code. Implemented by net::ws_session.
#pragma once
#include <memory>
#include <string>

namespace coplan::unit {

class unit_subscriber {
public:
  virtual ~unit_subscriber() = default;
  // Queues a message for the client. Thread-safe. A client whose bounded queue is full is closed.
  virtual void deliver(std::shared_ptr<const std::string> message) = 0;
  // Queues two messages at once, in order, so that a client reading batches gets both in one frame
  // (an edit's updates and the answer to its push). Thread-safe.
  virtual void deliver_pair(std::shared_ptr<const std::string> first, std::shared_ptr<const std::string> second) {
    deliver(std::move(first));
    deliver(std::move(second));
  }
  // Closes the connection, telling the client why (an error code from docs/protocol.md). Thread-safe.
  virtual void close_from_unit(const std::string& code) = 0;
};

}  // namespace coplan::unit
