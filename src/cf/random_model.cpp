#include "cf/random_model.h"

#include "io/npy.h"
#include "util/error.h"
#include "util/hash.h"

namespace mn {

ModelInfo random_model_info() {
  ModelInfo info;
  info.name = "random";
  info.description = "random ranking (seeded): the floor to compare against";
  info.params = {{"seed", ParamType::kInt, "0", 0, 4294967295.0, {}, "random seed", {}}};
  info.stochastic = true;
  info.make = [](Params p) { return std::make_unique<RandomModel>(std::move(p)); };
  return info;
}

void RandomModel::fit(const CsrMatrix& user_items, const FitContext&) {
  n_users_ = user_items.rows;
  n_items_ = user_items.cols;
}

void RandomModel::fill(std::uint64_t key, std::span<float> out) const {
  const auto seed = static_cast<std::uint64_t>(params_.get_int("seed"));
  for (std::size_t i = 0; i < out.size(); ++i) {
    const std::uint64_t h = hash_combine(hash_combine(seed, key), i);
    out[i] = static_cast<float>(h >> 40) * (1.0f / 16777216.0f);  // 24 bits: uniform in [0, 1)
  }
}

void RandomModel::score(std::int32_t user, std::span<float> out) const {
  fill(static_cast<std::uint64_t>(user), out);
}

void RandomModel::score_history(std::span<const std::int32_t> items, std::span<const float>,
                                std::span<float> out) const {
  fill(hash64(items.data(), items.size_bytes(), 0x5eed), out);
}

std::vector<ScoredItem> RandomModel::similar_items(std::int32_t item, int k) const {
  std::vector<float> s(static_cast<std::size_t>(n_items_));
  fill(~static_cast<std::uint64_t>(item), s);
  exclude_items(s, std::span<const std::int32_t>(&item, 1));
  return top_k(s, k);
}

void RandomModel::save(const std::filesystem::path& dir) const {
  const std::int64_t shape[2] = {n_users_, n_items_};
  save_npy(dir / "shape.npy", shape, {2});
}

void RandomModel::load(const std::filesystem::path& dir) {
  const auto shape = load_npy(dir / "shape.npy").as<std::int64_t>();
  if (shape.size() != 2)
    throw Error(ErrorKind::kInvalidInput, (dir / "shape.npy").string() + ": expected 2 values");
  n_users_ = static_cast<std::int32_t>(shape[0]);
  n_items_ = static_cast<std::int32_t>(shape[1]);
}

}  // namespace mn
