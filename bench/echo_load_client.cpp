// The floor client (see echo_load_client.hpp).
#include "echo_load_client.hpp"

namespace coplan::bench {

void echo_load_client::on_message(std::string_view message) {
  if (events().remote_text) events().remote_text(*this, message);
  find_tokens(message, [&](std::uint64_t t) {
    if (events().acked) events().acked(*this, t);
  });
}

}  // namespace coplan::bench
