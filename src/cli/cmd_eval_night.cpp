// `movienight eval-night`: the movie-night stages measured offline (issue 6's figures).
//   single users  loo: blend against its parts (the ablation), and MMR's effect
//   ± mood        loo, through the planner: each test user whose held-out movie has the genre a mood
//                 stands for, ranked with that mood and without it
//   pairs         holdout (or loo), through the planner: random pairs of test users, a list of 10
//                 for the two; a hit for a person when it holds any of their held-out positives;
//                 per-person figures and the minimum over the pair, by aggregation. Two folds:
//                 fair's share is chosen on pairs of one half of the test users and measured on
//                 the other half, then the other way round.
//   groups of 4   the same for larger groups, average against fair

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <limits>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <sstream>

#include "cf/registry.h"
#include "cli/commands.h"
#include "cli/data_source.h"
#include "content/content_model.h"
#include "eval/evaluate.h"
#include "eval/split.h"
#include "rank/blend.h"
#include "rank/group.h"
#include "rank/mmr.h"
#include "rank/night.h"
#include "text/mood.h"
#include "util/error.h"
#include "util/progress.h"

namespace mn::cli {
namespace {

struct Fitted {
  std::unique_ptr<Recommender> model;
  std::string label;
};

// The model's top `n` for a user, the user's fitted items excluded, non-candidates excluded.
std::vector<ScoredItem> top_for(const Recommender& m, std::int32_t user, const CsrMatrix& known,
                                const std::vector<char>& candidate, int n) {
  std::vector<float> s(static_cast<std::size_t>(m.n_items()));
  m.score(user, s);
  exclude_items(s, known.row_indices(user));
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (!candidate[i]) s[i] = -std::numeric_limits<float>::infinity();
  }
  return top_k(s, n);
}

// The MovieLens genre each mood stands for, for this evaluation only (cozy and feel-good span
// several genres and are left out).
const std::vector<std::pair<std::string, std::string>>& mood_genres() {
  static const std::vector<std::pair<std::string, std::string>> table = {
      {"funny", "Comedy"},   {"scary", "Horror"},        {"romantic", "Romance"},
      {"action", "Action"},  {"family", "Children"},     {"tense", "Thriller"},
      {"epic", "Adventure"}, {"mind-bending", "Sci-Fi"}, {"sad", "Drama"}};
  return table;
}

bool has_genre(const Movie& m, const std::string& genre) {
  return std::find(m.genres.begin(), m.genres.end(), genre) != m.genres.end();
}

// Runs f(i) for i < n on the OpenMP threads, with a progress line; the first exception is rethrown.
template <typename F>
void parallel_for(std::size_t n, const std::string& label, F&& f) {
  Progress progress(label, n, "plans");
  std::mutex mu;
  std::exception_ptr failure;
  std::size_t done = 0;
#pragma omp parallel for schedule(dynamic, 8)
  for (std::size_t i = 0; i < n; ++i) {
    try {
      f(i);
    } catch (...) {
      const std::lock_guard lock(mu);
      if (!failure) failure = std::current_exception();
    }
    const std::lock_guard lock(mu);
    progress.set(++done);
  }
  progress.finish();
  if (failure) std::rethrow_exception(failure);
}

NightRequest night_request(std::vector<std::int64_t> user_ids, const std::string& method, double share,
                           double lambda) {
  NightRequest r;
  for (const std::int64_t id : user_ids) {
    Person p;
    p.user_id = id;
    r.people.push_back(p);
  }
  r.k = 10;
  r.options.aggregation = method;
  r.options.fair_share = share;
  r.options.mmr_lambda = lambda;
  r.options.snacks = false;
  return r;
}

// One group's list against each person's held-out positives.
struct GroupOutcome {
  std::vector<int> found;                   // per person: held-out positives in the list of 10
  std::vector<int> held;                    // per person: held-out positives in all
  std::vector<std::pair<int, bool>> picks;  // per person and pick: their own rank, a hit
  bool all_hit() const {
    return std::all_of(found.begin(), found.end(), [](int f) { return f > 0; });
  }
};
using Group = std::vector<std::int32_t>;  // dense users

struct GroupSetting {
  std::string method;
  std::string label;   // the settings column
  double share = 0.5;  // < 0: each fold's tuned share
  double lambda = 1.0;
};

struct GroupSummary {
  double hit = 0, min_hit = 0, min_hit_se = 0, precision = 0, recall = 0, min_precision = 0;
};

GroupSummary summarise(const std::vector<GroupOutcome>& outcomes) {
  GroupSummary s;
  const auto n = static_cast<double>(outcomes.size());
  for (const GroupOutcome& o : outcomes) {
    const auto people = static_cast<double>(o.found.size());
    int fewest = o.found.empty() ? 0 : o.found[0];
    for (std::size_t p = 0; p < o.found.size(); ++p) {
      s.hit += (o.found[p] > 0) / people;
      s.precision += o.found[p] / (10.0 * people);
      s.recall += static_cast<double>(o.found[p]) / o.held[p] / people;
      fewest = std::min(fewest, o.found[p]);
    }
    s.min_hit += o.all_hit();
    s.min_precision += fewest / 10.0;
  }
  for (double* v : {&s.hit, &s.min_hit, &s.precision, &s.recall, &s.min_precision}) *v /= n;
  s.min_hit_se = std::sqrt(s.min_hit * (1 - s.min_hit) / n);
  return s;
}

// Two-sided exact sign test: P(|wins - losses| at least as large) under a fair coin.
double sign_test(int wins, int losses) {
  const int n = wins + losses;
  if (n == 0) return 1.0;
  const int k = std::min(wins, losses);
  double tail = 0;
  for (int i = 0; i <= k; ++i) {
    tail +=
        std::exp(std::lgamma(n + 1.0) - std::lgamma(i + 1.0) - std::lgamma(n - i + 1.0) - n * std::log(2.0));
  }
  return std::min(1.0, 2 * tail);
}

class GroupProtocol {
 public:
  GroupProtocol(const NightPlanner& planner, const Dataset& dataset, const std::vector<RatingTriple>& test)
      : planner_(planner), dataset_(dataset), held_(static_cast<std::size_t>(dataset.ratings.n_users())) {
    for (const RatingTriple& t : test) held_[static_cast<std::size_t>(t.user)].push_back(t.item);
    for (auto& h : held_) {
      std::sort(h.begin(), h.end());
      h.erase(std::unique(h.begin(), h.end()), h.end());
    }
  }

  std::vector<std::int32_t> test_users() const {
    std::vector<std::int32_t> out;
    for (std::size_t u = 0; u < held_.size(); ++u) {
      if (!held_[u].empty()) out.push_back(static_cast<std::int32_t>(u));
    }
    return out;
  }

  std::vector<GroupOutcome> run(const std::vector<Group>& groups, const GroupSetting& setting,
                                const std::string& label) const {
    std::vector<GroupOutcome> out(groups.size());
    parallel_for(groups.size(), label, [&](std::size_t i) {
      std::vector<std::int64_t> ids;
      for (const std::int32_t u : groups[i]) ids.push_back(id(u));
      const NightResult r = planner_.plan(night_request(ids, setting.method, setting.share, setting.lambda));
      GroupOutcome& o = out[i];
      for (std::size_t p = 0; p < groups[i].size(); ++p) {
        const auto& h = held_[static_cast<std::size_t>(groups[i][p])];
        o.held.push_back(static_cast<int>(h.size()));
        o.found.push_back(0);
        for (const NightPick& pick : r.items) {
          const bool hit = std::binary_search(h.begin(), h.end(), pick.item);
          o.found.back() += hit;
          o.picks.emplace_back(pick.per_person_rank[p], hit);
        }
      }
    });
    return out;
  }

 private:
  std::int64_t id(std::int32_t u) const { return dataset_.ratings.user_ids[static_cast<std::size_t>(u)]; }

  const NightPlanner& planner_;
  const Dataset& dataset_;
  std::vector<std::vector<std::int32_t>> held_;  // per user, sorted
};

// n random groups of `size` distinct users.
std::vector<Group> random_groups(const std::vector<std::int32_t>& users, int n, std::size_t size,
                                 std::mt19937_64& rng) {
  std::vector<Group> groups;
  std::uniform_int_distribution<std::size_t> pick(0, users.size() - 1);
  while (static_cast<int>(groups.size()) < n) {
    Group g;
    while (g.size() < size) {
      const std::int32_t u = users[pick(rng)];
      if (std::find(g.begin(), g.end(), u) == g.end()) g.push_back(u);
    }
    groups.push_back(std::move(g));
  }
  return groups;
}

std::string share_label(double share) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2g", share);
  return buf;
}

std::vector<double> parse_shares(const std::string& text) {
  std::vector<double> out;
  std::stringstream ss(text);
  std::string part;
  while (std::getline(ss, part, ',')) {
    try {
      std::size_t used = 0;
      const double v = std::stod(part, &used);
      if (used != part.size() || !(v >= 0 && v <= 1)) throw std::invalid_argument(part);
      out.push_back(v);
    } catch (const std::exception&) {
      throw Error(ErrorKind::kInvalidInput, "--fair-shares: '" + part + "' is not a number in [0, 1]");
    }
  }
  if (out.empty()) throw Error(ErrorKind::kInvalidInput, "--fair-shares: give at least one share");
  return out;
}

// ± mood on loo through the planner: one case per (test user, mood) whose held-out movie has the
// mood's genre; the same user's list without a mood is the baseline.
void mood_ablation(const NightPlanner& planner, const Dataset& dataset,
                   const std::vector<RatingTriple>& test) {
  struct Case {
    std::size_t test_row;
    std::size_t mood;  // index into mood_genres()
  };
  const auto& table = mood_genres();
  const auto& known = known_moods();
  std::vector<Case> cases;
  for (std::size_t t = 0; t < test.size(); ++t) {
    for (std::size_t m = 0; m < table.size(); ++m) {
      if (std::find(known.begin(), known.end(), table[m].first) == known.end()) continue;
      if (has_genre(dataset.catalog[test[t].item], table[m].second)) cases.push_back({t, m});
    }
  }
  if (cases.empty()) return;
  struct Ranked {
    double ndcg = 0, hr = 0, share = 0;
  };
  const auto measure = [&](const NightResult& r, const Case& c) {
    Ranked out;
    const std::string& genre = table[c.mood].second;
    for (std::size_t pos = 0; pos < r.items.size(); ++pos) {
      if (r.items[pos].item == test[c.test_row].item) {
        out.hr = 1;
        out.ndcg = 1.0 / std::log2(2.0 + static_cast<double>(pos));
      }
      out.share += has_genre(dataset.catalog[r.items[pos].item], genre);
    }
    if (!r.items.empty()) out.share /= static_cast<double>(r.items.size());
    return out;
  };
  const auto user_id = [&](std::size_t row) {
    return dataset.ratings.user_ids[static_cast<std::size_t>(test[row].user)];
  };
  std::vector<NightResult> plain(test.size());
  std::vector<char> needed(test.size(), 0);
  for (const Case& c : cases) needed[c.test_row] = 1;
  std::vector<std::size_t> rows;
  for (std::size_t t = 0; t < test.size(); ++t) {
    if (needed[t]) rows.push_back(t);
  }
  parallel_for(rows.size(), "mood: lists without a mood", [&](std::size_t i) {
    plain[rows[i]] = planner.plan(night_request({user_id(rows[i])}, "fair", 0.5, 1.0));
  });
  std::vector<Ranked> without(cases.size()), with(cases.size());
  parallel_for(cases.size(), "mood: lists with the mood", [&](std::size_t i) {
    NightRequest r = night_request({user_id(cases[i].test_row)}, "fair", 0.5, 1.0);
    r.mood = table[cases[i].mood].first;
    with[i] = measure(planner.plan(r), cases[i]);
    without[i] = measure(plain[cases[i].test_row], cases[i]);
  });
  struct Totals {
    Ranked without, with;
    int gains = 0, losses = 0;
    std::size_t n = 0;
  };
  const auto total = [&](auto keep) {
    Totals out;
    for (std::size_t i = 0; i < cases.size(); ++i) {
      if (!keep(cases[i])) continue;
      out.without.ndcg += without[i].ndcg;
      out.without.hr += without[i].hr;
      out.without.share += without[i].share;
      out.with.ndcg += with[i].ndcg;
      out.with.hr += with[i].hr;
      out.with.share += with[i].share;
      out.gains += with[i].hr > without[i].hr;
      out.losses += with[i].hr < without[i].hr;
      ++out.n;
    }
    const auto n = static_cast<double>(std::max<std::size_t>(out.n, 1));
    for (Ranked* r : {&out.without, &out.with}) {
      r->ndcg /= n;
      r->hr /= n;
      r->share /= n;
    }
    return out;
  };
  const Totals all = total([](const Case&) { return true; });
  std::printf(
      "\n## ± mood, loo, through the planner (one person, MMR off, snacks off), k = 10\n\n"
      "A case is a test user whose held-out movie has the genre a mood stands for (funny: Comedy, scary:\n"
      "Horror, romantic: Romance, action: Action, family: Children, tense: Thriller, epic: Adventure,\n"
      "mind-bending: Sci-Fi, sad: Drama; cozy and feel-good span several genres and are left out); the\n"
      "user's list is made with that mood and without it. %zu cases of %zu test users.\n\n"
      "| list | NDCG@10 | HR@10 | share of the top 10 in the mood's genre |\n|---|---|---|---|\n"
      "| blend (the planner, no mood) | %.4f | %.4f | %.3f |\n| **blend + mood** | %.4f | %.4f | %.3f |\n\n"
      "With the mood the held-out movie enters the top 10 in %d cases and leaves it in %d (sign test p = "
      "%.2g).\n\n| mood (genre) | cases | NDCG@10 | HR@10 | share in the genre |\n|---|---|---|---|---|\n",
      cases.size(), rows.size(), all.without.ndcg, all.without.hr, all.without.share, all.with.ndcg,
      all.with.hr, all.with.share, all.gains, all.losses, sign_test(all.gains, all.losses));
  for (std::size_t m = 0; m < table.size(); ++m) {
    const Totals t = total([&](const Case& c) { return c.mood == m; });
    if (t.n == 0) continue;
    std::printf("| %s (%s) | %zu | %.4f → %.4f | %.4f → %.4f | %.3f → %.3f |\n", table[m].first.c_str(),
                table[m].second.c_str(), t.n, t.without.ndcg, t.with.ndcg, t.without.hr, t.with.hr,
                t.without.share, t.with.share);
  }
}

// loo: the blend and its parts (the ablation), then MMR over the blend's pool.
void single_user_tables(const Dataset& dataset, const Split& split, int pool_size, double lambda) {
  const auto rows = concat(split.train, split.validation);
  const CsrMatrix known = to_matrix(rows, split.n_users, split.n_items, true);
  FitContext ctx;
  ctx.catalog = &dataset.catalog;
  const ItemGenres genres = item_genres(dataset.catalog);
  EvalOptions eo;
  eo.ks = {10};
  eo.genres = &genres;
  std::vector<Fitted> models;
  for (const char* spec : {"als", "content", "content:cast_weight=0", "blend:content_weight=0,fusion=blend",
                           "blend:fusion=blend", "blend"}) {
    std::fprintf(stderr, "eval-night: fitting %s on loo\n", spec);
    Fitted f{make_model(spec), spec};
    f.model->fit(known, ctx);
    models.push_back(std::move(f));
  }
  std::printf(
      "## Single users, loo (%zu test users; models fitted on train + validation), k = 10\n\n| model | "
      "NDCG@10 | HR@10 | genre coverage@10 | ILS@10 |\n|---|---|---|---|---|\n",
      split.test.size());
  for (const Fitted& f : models) {
    const EvalResult r = evaluate_ranking(*f.model, known, split.test, split.candidate, eo);
    std::printf("| %s | %.4f | %.4f | %.3f | %.3f |\n", f.label.c_str(), r.metrics.at("ndcg@10"),
                r.metrics.at("hr@10"), r.metrics.at("genre_coverage@10"), r.metrics.at("ils@10"));
  }
  const Recommender& blend = *models.back().model;
  const auto& content = static_cast<const BlendModel&>(blend).content();
  const auto dim = static_cast<std::size_t>(content.dim());
  RankingMetrics plain({10}, &genres), diverse({10}, &genres);
  for (const RatingTriple& t : split.test) {
    const auto pool = top_for(blend, t.user, known, split.candidate, pool_size);
    std::vector<double> rel;
    std::vector<float> vectors;
    std::vector<std::int32_t> items;
    for (const auto& p : pool) {
      rel.push_back(p.score);
      items.push_back(p.item);
      const float* e = content.item_embeddings().data() + static_cast<std::size_t>(p.item) * dim;
      vectors.insert(vectors.end(), e, e + dim);
    }
    const auto picked = mmr_select(rel, vectors, dim, 10, lambda).selected;
    std::vector<std::int32_t> head(
        items.begin(),
        items.begin() + std::min<std::ptrdiff_t>(10, static_cast<std::ptrdiff_t>(items.size())));
    std::vector<std::int32_t> mmr;
    for (const std::size_t p : picked) mmr.push_back(items[p]);
    const std::int32_t relevant[1] = {t.item};
    plain.add({head, relevant});
    diverse.add({mmr, relevant});
  }
  const auto a = plain.means(), b = diverse.means();
  std::printf(
      "\n## MMR over the blend's top %d (lambda %.2f)\n\n| list | NDCG@10 | genre coverage@10 | ILS@10 "
      "|\n|---|---|---|---|\n",
      pool_size, lambda);
  std::printf("| blend top 10 | %.4f | %.3f | %.3f |\n", a.at("ndcg@10"), a.at("genre_coverage@10"),
              a.at("ils@10"));
  std::printf("| MMR | %.4f | %.3f | %.3f |\n", b.at("ndcg@10"), b.at("genre_coverage@10"), b.at("ils@10"));
  std::printf("relative NDCG@10 change: %+.1f %%\n", 100.0 * (b.at("ndcg@10") / a.at("ndcg@10") - 1.0));
  std::fflush(stdout);
}

// The taste model's evidence: how often a person's held-out positive sits at each of their own
// ranks in the lists of the given pairs, against like_chance.
void print_taste_model(const std::vector<GroupOutcome>& outcomes) {
  const int edges[] = {1, 3, 5, 10, 20, 50, 100, std::numeric_limits<int>::max()};
  std::vector<double> seen(std::size(edges), 0), hits(seen.size(), 0), model(seen.size(), 0);
  for (const GroupOutcome& o : outcomes) {
    for (const auto& [r, hit] : o.picks) {
      const auto k = static_cast<std::size_t>(std::lower_bound(std::begin(edges), std::end(edges), r) -
                                              std::begin(edges));
      seen[k] += 1;
      hits[k] += hit;
      model[k] += like_chance(r);
    }
  }
  std::printf("\n| own rank | picks | hit rate | like_chance (fair's model) |\n|---|---|---|---|\n");
  for (std::size_t k = 0; k < seen.size(); ++k) {
    if (seen[k] == 0) continue;
    const int lo = k == 0 ? 1 : edges[k - 1] + 1;
    const std::string range = k + 1 == seen.size() ? "> " + std::to_string(edges[k - 1])
                              : lo == edges[k]     ? std::to_string(lo)
                                                   : std::to_string(lo) + "–" + std::to_string(edges[k]);
    std::printf("| %s | %.0f | %.4f | %.4f |\n", range.c_str(), seen[k], hits[k] / seen[k],
                model[k] / seen[k]);
  }
}

struct GroupRun {
  std::string protocol;  // holdout | loo
  std::uint64_t split_seed = 0;
  std::uint64_t seed = 0;
  int pairs = 0, tune_pairs = 0;
  int groups = 0;  // larger groups measured after the pairs (0: none)
  std::size_t group_size = 4;
  std::vector<double> shares;
  double lambda = 0.7;
};

// Pairs of test users through `planner` (fitted without `test`), in two folds: the test users are
// split in halves; fair's share is chosen on pairs of one half and every aggregation is measured
// on pairs of the other, then the roles swap and the measured pairs of both folds are pooled.
void group_tables(const NightPlanner& planner, const Dataset& data, const std::vector<RatingTriple>& test,
                  const GroupRun& run) {
  const GroupProtocol protocol(planner, data, test);
  std::vector<std::int32_t> users = protocol.test_users();
  std::mt19937_64 rng(run.seed);
  std::shuffle(users.begin(), users.end(), rng);
  const auto half = static_cast<std::ptrdiff_t>(users.size() / 2);
  const std::vector<std::int32_t> halves[2] = {{users.begin(), users.begin() + half},
                                               {users.begin() + half, users.end()}};
  if (halves[0].size() < 2 || halves[1].size() < 2)
    throw Error(ErrorKind::kInvalidInput, "eval-night: too few test users for pairs");

  struct Fold {
    std::vector<Group> tune, report;
    double share = 0.5;
    std::vector<std::pair<double, double>> tuned;  // share, min HR on the tuning pairs
    std::vector<GroupOutcome> tune_average;
  };
  Fold folds[2];
  for (int f = 0; f < 2; ++f) {
    Fold& fold = folds[f];
    fold.tune = random_groups(halves[f], run.tune_pairs, 2, rng);
    fold.report = random_groups(halves[1 - f], f == 0 ? (run.pairs + 1) / 2 : run.pairs / 2, 2, rng);
    // fair's share: the best minimum on the tuning pairs (ties: the earlier share).
    double best = -1;
    for (const double share : run.shares) {
      const std::string label =
          "pairs, fold " + std::to_string(f + 1) + ": tuning fair share " + share_label(share);
      const double min_hit = summarise(protocol.run(fold.tune, {"fair", "", share, 1.0}, label)).min_hit;
      fold.tuned.emplace_back(share, min_hit);
      if (min_hit > best + 1e-12) {
        best = min_hit;
        fold.share = share;
      }
    }
    fold.tune_average = protocol.run(fold.tune, {"average", "", 0.5, 1.0},
                                     "pairs, fold " + std::to_string(f + 1) + ": tuning average");
  }

  const double product_share = NightOptions{}.fair_share;
  const std::string tuned_label = folds[0].share == folds[1].share
                                      ? "share " + share_label(folds[0].share) + " (tuned)"
                                      : "share " + share_label(folds[0].share) + " / " +
                                            share_label(folds[1].share) + " (tuned per fold)";
  std::vector<GroupSetting> settings = {
      {"average", "MMR off", 0.5, 1.0},
      {"least-misery", "MMR off", 0.5, 1.0},
      {"most-pleasure", "MMR off", 0.5, 1.0},
      {"fair", tuned_label + ", MMR off", -1, 1.0},
  };
  if (product_share != folds[0].share || product_share != folds[1].share) {
    settings.push_back(
        {"fair", "share " + share_label(product_share) + " (product default), MMR off", product_share, 1.0});
  }
  settings.push_back({"fair", tuned_label + ", MMR lambda " + share_label(run.lambda), -1, run.lambda});
  std::vector<std::vector<GroupOutcome>> results;
  for (const GroupSetting& s : settings) {
    std::vector<GroupOutcome> pooled;
    for (int f = 0; f < 2; ++f) {
      GroupSetting fs = s;
      if (fs.share < 0) fs.share = folds[f].share;
      const auto part = protocol.run(
          folds[f].report, fs, "pairs, fold " + std::to_string(f + 1) + ": " + s.method + " " + s.label);
      pooled.insert(pooled.end(), part.begin(), part.end());
    }
    results.push_back(std::move(pooled));
  }

  const std::string held = run.protocol == "holdout"
                               ? "holdout (20 % of each test user's positives held out, split seed " +
                                     std::to_string(run.split_seed) + ")"
                               : "loo (each test user's latest positive held out)";
  std::printf(
      "\n## Pairs of test users, %s\n\n"
      "Through the planner (models fitted on the data without the held-out movies; snacks off): a list of\n"
      "10 for two random test users; a hit for a person when it holds any of their held-out positives\n"
      "(rating >= 4). The %zu test users are split in halves; fair's share is chosen on %d pairs of one\n"
      "half and the table measured on pairs of the other, then the other way round: %d pairs in all.\n\n"
      "| aggregation | settings | per-person HR@10 | min HR@10 over the pair (± s.e.) | per-person P@10 | "
      "per-person R@10 | min P@10 over the pair |\n|---|---|---|---|---|---|---|\n",
      held.c_str(), users.size(), run.tune_pairs, run.pairs);
  for (std::size_t k = 0; k < settings.size(); ++k) {
    const GroupSummary s = summarise(results[k]);
    std::printf("| %s | %s | %.4f | %.4f ± %.4f | %.4f | %.4f | %.4f |\n", settings[k].method.c_str(),
                settings[k].label.c_str(), s.hit, s.min_hit, s.min_hit_se, s.precision, s.recall,
                s.min_precision);
  }
  // Paired: fair (tuned) against average on the same pairs, with MMR off and with fair's MMR.
  const auto paired = [&](std::size_t k, const char* what) {
    int wins = 0, losses = 0;
    for (std::size_t i = 0; i < results[0].size(); ++i) {
      wins += results[k][i].all_hit() && !results[0][i].all_hit();
      losses += !results[k][i].all_hit() && results[0][i].all_hit();
    }
    std::printf(
        "fair (%s) against average (MMR off): both hit under fair only in %d pairs, under average only in "
        "%d (sign test p = %.2g)\n",
        what, wins, losses, sign_test(wins, losses));
  };
  std::printf("\n");
  paired(3, "MMR off");
  paired(settings.size() - 1, ("MMR lambda " + share_label(run.lambda)).c_str());
  std::printf("\nTuning pairs, min HR@10 over the pair:");
  std::vector<GroupOutcome> tune_average;
  for (int f = 0; f < 2; ++f) {
    std::printf(" fold %d: average %.4f", f + 1, summarise(folds[f].tune_average).min_hit);
    for (const auto& [share, min_hit] : folds[f].tuned)
      std::printf(", fair %s %.4f", share_label(share).c_str(), min_hit);
    std::printf(f == 0 ? ";" : ".\n");
    tune_average.insert(tune_average.end(), folds[f].tune_average.begin(), folds[f].tune_average.end());
  }
  std::printf("Hit rate by a person's own rank in average's lists of the tuning pairs:\n");
  print_taste_model(tune_average);

  // Larger groups, where one person is more easily left out: average against fair.
  if (run.groups == 0) return;
  std::vector<GroupOutcome> larger[2];
  for (int f = 0; f < 2; ++f) {
    const auto groups =
        random_groups(halves[1 - f], f == 0 ? (run.groups + 1) / 2 : run.groups / 2, run.group_size, rng);
    const std::string fold =
        "groups of " + std::to_string(run.group_size) + ", fold " + std::to_string(f + 1);
    for (int k = 0; k < 2; ++k) {
      const GroupSetting s =
          k == 0 ? GroupSetting{"average", "", 0.5, 1.0} : GroupSetting{"fair", "", folds[f].share, 1.0};
      const auto part = protocol.run(groups, s, fold + ": " + s.method);
      larger[k].insert(larger[k].end(), part.begin(), part.end());
    }
  }
  std::printf(
      "\n## Groups of %zu test users, the same protocol (%d random groups, MMR off; fair's share as tuned on "
      "the pairs)\n\n| aggregation | per-person HR@10 | min HR@10 over the group (± s.e.) | per-person P@10 "
      "| "
      "min P@10 over the group |\n|---|---|---|---|---|\n",
      run.group_size, run.groups);
  for (int k = 0; k < 2; ++k) {
    const GroupSummary s = summarise(larger[k]);
    std::printf("| %s | %.4f | %.4f ± %.4f | %.4f | %.4f |\n", k == 0 ? "average" : "fair", s.hit, s.min_hit,
                s.min_hit_se, s.precision, s.min_precision);
  }
  int wins = 0, losses = 0;
  for (std::size_t i = 0; i < larger[0].size(); ++i) {
    wins += larger[1][i].all_hit() && !larger[0][i].all_hit();
    losses += !larger[1][i].all_hit() && larger[0][i].all_hit();
  }
  std::printf(
      "\nfair against average: everyone hit under fair only in %d groups, under average only in %d (sign "
      "test p = %.2g)\n",
      wins, losses, sign_test(wins, losses));
}

}  // namespace

void add_eval_night_command(CLI::App& app) {
  struct Options {
    DataSource source;
    int pairs = 4000;
    int tune_pairs = 500;
    std::uint64_t seed = 0;
    std::uint64_t split_seed = 0;
    double lambda = 0.7;
    int pool = 50;
    std::string fair_shares = "0.5,0.7,0.9";
    std::string group_protocol = "holdout";
    int groups = 2000;
    int group_size = 4;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "eval-night", "measure the movie-night stages offline: blend vs parts, MMR, ± mood, group aggregation");
  o->source.add_options(*cmd);
  cmd->add_option("--pairs", o->pairs, "random pairs of test users the group table measures (half per fold)")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  cmd->add_option("--tune-pairs", o->tune_pairs,
                  "pairs per fold that choose fair's share (default: at most --pairs / 2)")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  cmd->add_option("--seed", o->seed, "seed of the pairs")->capture_default_str();
  cmd->add_option("--split-seed", o->split_seed, "seed of the holdout split")->capture_default_str();
  cmd->add_option("--group-protocol", o->group_protocol,
                  "pairs: holdout (20 % of each test user's positives held out) or loo (one)")
      ->check(CLI::IsMember({"holdout", "loo"}))
      ->capture_default_str();
  cmd->add_option("--groups", o->groups,
                  "random larger groups measured after the pairs (0: none; default: at most --pairs / 2)")
      ->check(CLI::Range(0, 100000))
      ->capture_default_str();
  cmd->add_option("--group-size", o->group_size, "people in each larger group")
      ->check(CLI::Range(3, 8))
      ->capture_default_str();
  cmd->add_option("--mmr-lambda", o->lambda, "MMR relevance weight")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--fair-shares", o->fair_shares, "fair: the shares tried on the tuning pairs")
      ->capture_default_str();
  cmd->add_option("--pool", o->pool, "MMR pool: the blend's top N")
      ->check(CLI::Range(10, 1000))
      ->capture_default_str();
  cmd->callback([o, cmd] {
    GroupRun run;
    run.protocol = o->group_protocol;
    run.split_seed = o->split_seed;
    run.seed = o->seed;
    run.pairs = o->pairs;
    // Unless given, no more tuning pairs than reported ones (a quick run stays quick).
    run.tune_pairs =
        cmd->count("--tune-pairs") > 0 ? o->tune_pairs : std::min(o->tune_pairs, std::max(1, o->pairs / 2));
    run.shares = parse_shares(o->fair_shares);
    run.groups = cmd->count("--groups") > 0 ? o->groups : std::min(o->groups, o->pairs / 2);
    run.group_size = static_cast<std::size_t>(o->group_size);
    run.lambda = o->lambda;
    const Dataset dataset = o->source.load();
    const Split split = make_splits(dataset, {})[0];
    single_user_tables(dataset, split, o->pool, o->lambda);

    // The planner as served, on the data without loo's test rows: ± mood, and loo pairs.
    std::fprintf(stderr, "eval-night: the planner without loo's test movies\n");
    const Dataset loo_data = hide_rows(dataset, split.test);
    const NightPlanner loo_planner(loo_data, {});
    mood_ablation(loo_planner, loo_data, split.test);
    std::fflush(stdout);
    if (run.protocol == "loo") {
      group_tables(loo_planner, loo_data, split.test, run);
      return;
    }
    SplitOptions so;
    so.protocol = "holdout";
    so.seed = o->split_seed;
    const std::vector<RatingTriple> test = make_splits(dataset, so)[0].test;
    std::fprintf(stderr, "eval-night: the planner without holdout's test movies\n");
    const Dataset holdout_data = hide_rows(dataset, test);
    const NightPlanner holdout_planner(holdout_data, {});
    group_tables(holdout_planner, holdout_data, test, run);
  });
}

}  // namespace mn::cli
