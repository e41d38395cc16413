// Coplan's protocol for the load generator (see coplan_load_client.hpp and docs/protocol.md).
#include "coplan_load_client.hpp"

#include <nlohmann/json.hpp>

#include "text/utf16.hpp"

namespace coplan::bench {

using nlohmann::json;

coplan_load_client::coplan_load_client(boost::asio::io_context& ioc, boost::asio::ip::tcp::endpoint endpoint,
                                       const std::string& unit_id, std::string cookie, load_events* events,
                                       std::string client_id, std::string stream)
    : load_connection(ioc, endpoint, "/api/units/" + unit_id + "/ws", std::move(cookie), events),
      collab_(std::move(stream), std::move(client_id)) {}

void coplan_load_client::on_open() {
  send(json{{"type", "hello"}, {"clientID", collab_.client_id()}, {"streams", json::object()}}.dump());
}

void coplan_load_client::insert_token(std::uint64_t token) {
  auto ins = text::utf8_to_utf16(token_text(token));
  collab_.edit(text::change_set::replace(static_cast<std::int64_t>(collab_.text().size()), 0, 0, ins));
  unconfirmed_tokens_.push_back(token);
  flush();
}

void coplan_load_client::flush() {
  if (auto m = collab_.next_push()) send(std::move(*m));
}

std::optional<std::string> coplan_load_client::text() const { return collab_.text().to_utf8(); }

namespace {
// Every inserted string in a ChangeSet's JSON form ([retain, [deleted, "line", "line"...], ...]).
template <class F>
void inserted_strings(const json& changes, F&& f) {
  for (const auto& part : changes)
    if (part.is_array())
      for (std::size_t i = 1; i < part.size(); ++i)
        if (part[i].is_string()) f(part[i].get_ref<const std::string&>());
}
}  // namespace

void coplan_load_client::on_message(std::string_view message) {
  auto m = json::parse(message);
  const auto& type = m["type"].get_ref<const std::string&>();
  if (type == "welcome") {
    const auto& s = m["streams"][collab_.stream()];
    collab_.reset(s["version"].get<std::uint64_t>(), text::utf8_to_utf16(s["text"].get<std::string>()));
    unconfirmed_tokens_.clear();
    mark_ready();
  } else if (type == "updates" && m["stream"] == collab_.stream()) {
    const auto& updates = m["updates"];
    if (updates.empty()) return;
    auto first = updates[0]["v"].get<std::uint64_t>();
    for (const auto& u : updates)
      if (u["v"].get<std::uint64_t>() >= collab_.version() && u["clientID"] != collab_.client_id() && events().remote_text)
        inserted_strings(u["changes"], [&](const std::string& s) { events().remote_text(*this, s); });
    auto confirmed = collab_.receive(first, updates);
    for (std::size_t i = 0; i < confirmed.size() && !unconfirmed_tokens_.empty(); ++i) {
      auto token = unconfirmed_tokens_.front();
      unconfirmed_tokens_.pop_front();
      if (events().acked) events().acked(*this, token);
    }
    flush();
  } else if (type == "pushed") {
    collab_.pushed(m.value("ok", false));
    flush();
  } else if (type == "error") {
    if (events().failed) events().failed(*this, m.value("code", std::string("error")) + ": " + m.value("message", ""));
  }
}

}  // namespace coplan::bench
