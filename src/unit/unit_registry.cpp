// Opening units on demand (see unit_registry.hpp).
#include "unit/unit_registry.hpp"

#include <chrono>
#include <stdexcept>

#include "auth/tokens.hpp"

namespace coplan::unit {

unit_registry::unit_registry(boost::asio::io_context::executor_type ex, store::op_log_writer& writer, store::store& db,
                             std::shared_ptr<const template_set> templates, unit_limits limits,
                             authority_settings settings)
    : ex_(std::move(ex)),
      writer_(writer),
      db_(db),
      reader_(db),
      accounts_(db),
      templates_(std::move(templates)),
      limits_(limits),
      settings_(settings) {
  settings_.expertise_areas = templates_->expertise_ids();
  settings_.expertise_list = templates_->expertise();
}

std::shared_ptr<unit_authority> unit_registry::open(const store::unit_record& unit) {
  std::lock_guard lock(mutex_);
  auto it = units_.find(unit.id);
  if (it != units_.end()) {
    auto live = it->second.lock();
    if (live && !live->failed()) return live;
  }
  auto spec = templates_->find(unit.template_id);
  if (!spec) throw std::runtime_error("unit " + unit.public_id + " uses unknown template " + unit.template_id);
  auto state = authority_state::restore(spec, limits_, reader_.load(unit.id));
  std::vector<member_info> members;
  for (const auto& m : accounts_.unit_members(unit.id))
    members.push_back({static_cast<std::uint32_t>(m.id), m.display_name, m.role});
  auto authority = std::make_shared<unit_authority>(ex_, unit_identity{unit.id, unit.public_id, unit.title},
                                                    std::move(state), std::move(members), writer_, reader_, settings_);
  units_[unit.id] = authority;
  // Drop entries of units that closed since.
  std::erase_if(units_, [](const auto& kv) { return kv.second.expired(); });
  return authority;
}

store::unit_record unit_registry::create_unit(std::int64_t partnership_id, const std::string& template_id,
                                              const std::string& title, std::int64_t created_by,
                                              const std::vector<std::int64_t>& members, const unit_doc* initial,
                                              std::int64_t copied_from) {
  auto spec = templates_->find(template_id);
  if (!spec) throw std::runtime_error("unknown template " + template_id);
  unit_doc doc = initial ? *initial : unit_doc(spec, limits_);
  doc.set_initial_value("title", title);
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch()).count();
  auto public_id = auth::random_id(12);
  accounts_.create_unit(public_id, partnership_id, template_id, title, created_by, members,
                                  doc.to_json().dump(), now, copied_from);
  return *accounts_.unit_by_public_id(public_id);
}

void unit_registry::refresh_members() {
  auto open_units = live();
  if (open_units.empty()) return;
  std::vector<std::int64_t> ids;
  for (const auto& a : open_units) ids.push_back(a->identity().id);
  auto members = accounts_.members_of_units(ids);
  for (const auto& a : open_units) {
    std::vector<member_info> list;
    for (const auto& m : members[a->identity().id])
      list.push_back({static_cast<std::uint32_t>(m.id), m.display_name, m.role});
    a->set_members(std::move(list));
  }
}

std::vector<std::shared_ptr<unit_authority>> unit_registry::live() {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<unit_authority>> out;
  for (auto& [id, w] : units_)
    if (auto a = w.lock()) out.push_back(std::move(a));
  return out;
}

std::size_t unit_registry::open_count() { return live().size(); }

}  // namespace coplan::unit
