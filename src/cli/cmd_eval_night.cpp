// `movienight eval-night`: the movie-night stages measured on the loo split (issue 6's figures).
//   single users  blend against its parts, and MMR's effect (NDCG@10, genre coverage, ILS)
//   pairs         random pairs of test users; a list is a hit for a person when it holds their
//                 held-out movie; per-person hit rate and the minimum over the two, by aggregation
#include <algorithm>
#include <cstdio>
#include <limits>
#include <memory>
#include <random>
#include <set>

#include "cf/registry.h"
#include "cli/commands.h"
#include "cli/data_source.h"
#include "content/content_model.h"
#include "eval/evaluate.h"
#include "eval/split.h"
#include "rank/blend.h"
#include "rank/group.h"
#include "rank/mmr.h"
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

}  // namespace

void add_eval_night_command(CLI::App& app) {
  struct Options {
    DataSource source;
    int pairs = 300;
    std::uint64_t seed = 0;
    double lambda = 0.7;
    int pool = 50;
    double fair_share = 0.5;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "eval-night", "measure the movie-night stages on loo: blend vs parts, MMR, group aggregation");
  o->source.add_options(*cmd);
  cmd->add_option("--pairs", o->pairs, "random pairs of test users")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  cmd->add_option("--seed", o->seed, "seed of the pairs")->capture_default_str();
  cmd->add_option("--mmr-lambda", o->lambda, "MMR relevance weight")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--fair-share", o->fair_share, "fair: the share of a person's solo utility to keep")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--pool", o->pool, "MMR pool: the blend's top N")
      ->check(CLI::Range(10, 1000))
      ->capture_default_str();
  cmd->callback([o] {
    const Dataset dataset = o->source.load();
    const Split split = make_splits(dataset, {})[0];
    const auto rows = concat(split.train, split.validation);
    const CsrMatrix known = to_matrix(rows, split.n_users, split.n_items, true);
    FitContext ctx;
    ctx.catalog = &dataset.catalog;
    const ItemGenres genres = item_genres(dataset.catalog);
    EvalOptions eo;
    eo.ks = {10};
    eo.genres = &genres;

    // Single users: the blend and its parts (the ablation), then MMR over the blend's pool.
    std::vector<Fitted> models;
    for (const char* spec : {"als", "content", "content:cast_weight=0", "blend:content_weight=0,fusion=blend",
                             "blend:fusion=blend", "blend"}) {
      Fitted f{make_model(spec), spec};
      f.model->fit(known, ctx);
      models.push_back(std::move(f));
    }
    std::printf(
        "## Single users, loo (608 test users), k = 10\n\n| model | NDCG@10 | HR@10 | genre coverage@10 | "
        "ILS@10 |\n|---|---|---|---|---|\n");
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
      const auto pool = top_for(blend, t.user, known, split.candidate, o->pool);
      std::vector<double> rel;
      std::vector<float> vectors;
      std::vector<std::int32_t> items;
      for (const auto& p : pool) {
        rel.push_back(p.score);
        items.push_back(p.item);
        const float* e = content.item_embeddings().data() + static_cast<std::size_t>(p.item) * dim;
        vectors.insert(vectors.end(), e, e + dim);
      }
      const auto picked = mmr_select(rel, vectors, dim, 10, o->lambda).selected;
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
        o->pool, o->lambda);
    std::printf("| blend top 10 | %.4f | %.3f | %.3f |\n", a.at("ndcg@10"), a.at("genre_coverage@10"),
                a.at("ils@10"));
    std::printf("| MMR | %.4f | %.3f | %.3f |\n", b.at("ndcg@10"), b.at("genre_coverage@10"), b.at("ils@10"));
    std::printf("relative NDCG@10 change: %+.1f %%\n", 100.0 * (b.at("ndcg@10") / a.at("ndcg@10") - 1.0));

    // Pairs of test users.
    std::vector<RatingTriple> tests = split.test;
    std::mt19937_64 rng(o->seed);
    std::printf(
        "\n## Pairs of test users (%d random pairs), a list of 10 from the blend\n\n| aggregation | "
        "per-person hit rate | min over the pair | both hit |\n|---|---|---|---|\n",
        o->pairs);
    std::vector<std::pair<std::size_t, std::size_t>> pairs;
    std::uniform_int_distribution<std::size_t> pick(0, tests.size() - 1);
    while (static_cast<int>(pairs.size()) < o->pairs) {
      const std::size_t x = pick(rng), y = pick(rng);
      if (x != y) pairs.emplace_back(x, y);
    }
    for (const auto& method : group_aggregations()) {
      double per_person = 0, minimum = 0, both = 0;
      for (const auto& [x, y] : pairs) {
        const RatingTriple& ta = tests[x];
        const RatingTriple& tb = tests[y];
        std::vector<float> sa(static_cast<std::size_t>(blend.n_items())), sb(sa.size());
        blend.score(ta.user, sa);
        blend.score(tb.user, sb);
        for (auto* s : {&sa, &sb}) {
          exclude_items(*s, known.row_indices(ta.user));
          exclude_items(*s, known.row_indices(tb.user));
          for (std::size_t i = 0; i < s->size(); ++i) {
            if (!split.candidate[i]) (*s)[i] = -std::numeric_limits<float>::infinity();
          }
        }
        std::set<std::int32_t> union_set;
        for (const auto* s : {&sa, &sb}) {
          for (const auto& c : top_k(*s, 300)) union_set.insert(c.item);
        }
        GroupInput in;
        in.candidates.assign(union_set.begin(), union_set.end());
        in.scores.assign(2, {});
        for (const std::int32_t i : in.candidates) {
          in.scores[0].push_back(sa[static_cast<std::size_t>(i)]);
          in.scores[1].push_back(sb[static_cast<std::size_t>(i)]);
        }
        const GroupRanking r = aggregate_group(in, method, o->fair_share, 10);
        bool hit_a = false, hit_b = false;
        for (const auto& p : r.order) {
          hit_a = hit_a || in.candidates[p.candidate] == ta.item;
          hit_b = hit_b || in.candidates[p.candidate] == tb.item;
        }
        per_person += (hit_a + hit_b) / 2.0;
        minimum += std::min(hit_a, hit_b);
        both += hit_a && hit_b;
      }
      const auto n = static_cast<double>(pairs.size());
      std::printf("| %s | %.4f | %.4f | %.4f |\n", method.c_str(), per_person / n, minimum / n, both / n);
    }
  });
}

}  // namespace mn::cli
