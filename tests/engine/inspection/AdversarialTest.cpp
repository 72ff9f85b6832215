// Adversarial examples: FGSM's step worked out on a two-class linear model (the gradient's sign is
// sign(w₁ − w₀) for an image of class 0), the 8-bit grid and L∞ ≤ ε on the bundled LeNet-5 and the
// test digits, PGD at least as strong as FGSM at the same ε, a targeted attack landing on its target,
// and options out of range named.
#include "TestUtils.h"

#include "engine/backend/onednn/OnednnBackend.h"
#include "engine/backend/reference/ReferenceBackend.h"
#include "engine/inspection/Adversarial.h"
#include "engine/io/ModelFile.h"
#include "engine/network/LayerList.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace convscope;

TEST(Adversarial, FgsmStepsEachPixelByEpsilonAlongTheGradientsSign) {
  Network net = buildLayerList("input 1x2x2\nflatten\ndense 2\nsoftmax\n");
  std::vector<Tensor*> ps = net.parameters(); // weights (2, 4), then the biases
  ps[0]->values() = {1, 2, -1, 0.5f, /* class 1: */ 2, 1, -3, 0.5f};
  ps[1]->values() = {3, 0}; // class 0 by a margin
  Preprocess p = plainPreprocess(Shape{1, 2, 2});
  p.mean = {0.1f}, p.stddev = {0.5f}; // the normalization's gradient is carried through: the sign is unchanged
  Tensor image(Shape{1, 1, 2, 2}, 128.0f / 255.0f);
  AttackOptions o;
  o.epsilon = 0.1; // 25.5 of 255: 25 whole steps
  ReferenceBackend backend;
  const AttackResult r = attackImage(net, backend, p, image, o);
  EXPECT_EQ(r.beforeClass, 0);
  // Untargeted from class 0: ∂CE/∂x = p₁ (w₁ − w₀)/σ, whose sign is sign(w₁ − w₀) = (+, −, −, 0).
  const float moved[4] = {128 + 25, 128 - 25, 128 - 25, 128};
  for (int k = 0; k < 4; ++k) EXPECT_FLOAT_EQ(r.image.values()[size_t(k)] * 255.0f, moved[k]) << k;
  EXPECT_NEAR(r.linf, 25.0 / 255.0, 1e-6);
  EXPECT_LE(r.linf, o.epsilon);
  EXPECT_LT(r.after[0], r.before[0]); // the true class lost probability

  o.target = 5;
  EXPECT_THROW(attackImage(net, backend, p, image, o), std::invalid_argument); // two classes
  o.target = -1, o.epsilon = 1.5;
  EXPECT_NE(o.problem(2).find("ε 1.5 must be from 0 to 1"), std::string::npos) << o.problem(2);
  EXPECT_THROW(attackImage(net, backend, p, image, o), std::invalid_argument);
  EXPECT_THROW(attackMethodFromString("cw"), std::invalid_argument);
}

// The bundled LeNet-5 on the first 200 test digits: every attacked image on the 8-bit grid and
// within ε; FGSM at ε 0.25 takes most of the accuracy; PGD (10 steps) takes at least as much; a
// targeted PGD sends most digits to its target.
TEST(Adversarial, LeNetFallsToFgsmAndFurtherToPgd) {
  Model lenet = loadModel(resourcesDirectory() + "/models/lenet5-digits.json");
  const DatasetSplit digits = loadDataset("digits", 1, 28, 28);
  OnednnBackend backend;
  AttackOptions o;
  o.epsilon = 0.25;
  const AttackEvaluation fgsm = attackDataset(lenet.network, backend, *lenet.info.preprocess, digits.test, o, 200);
  EXPECT_EQ(fgsm.count, 200);
  EXPECT_GT(fgsm.accuracy, 0.95);
  EXPECT_LT(fgsm.attackedAccuracy, 0.5);
  EXPECT_LE(fgsm.linf, 0.25);
  o.method = AttackMethod::Pgd;
  const AttackEvaluation pgd = attackDataset(lenet.network, backend, *lenet.info.preprocess, digits.test, o, 200);
  EXPECT_LE(pgd.attackedAccuracy, fgsm.attackedAccuracy);
  EXPECT_LT(pgd.attackedAccuracy, 0.1);
  EXPECT_LE(pgd.linf, 0.25);
  o.target = 3, o.steps = 20;
  const AttackEvaluation toThree = attackDataset(lenet.network, backend, *lenet.info.preprocess, digits.test, o, 100);
  EXPECT_GT(toThree.targetRate, 0.6);

  // One digit: the result on the grid, the perturbation within ε, `after` the model on that image.
  Preprocess plain = *lenet.info.preprocess;
  std::fill(plain.mean.begin(), plain.mean.end(), 0.0f);
  std::fill(plain.stddev.begin(), plain.stddev.end(), 1.0f);
  std::vector<size_t> first{0};
  Tensor batch;
  std::vector<int> labels;
  makeBatch(digits.test, first.data(), 1, plain, batch, labels);
  o = AttackOptions{};
  o.epsilon = 0.2;
  const AttackResult r = attackImage(lenet.network, backend, *lenet.info.preprocess, batch, o, labels[0]);
  EXPECT_EQ(r.beforeClass, labels[0]);
  for (float v : r.image.values()) ASSERT_NEAR(v * 255.0f, std::round(v * 255.0f), 1e-3);
  for (float d : r.perturbation.values()) ASSERT_LE(std::abs(d), 0.2f + 1e-6f);
  AttackOptions none;
  none.epsilon = 0.0;
  const AttackResult still = attackImage(lenet.network, backend, *lenet.info.preprocess, r.image, none);
  EXPECT_EQ(still.beforeClass, r.afterClass); // the same image, the same answer
  EXPECT_EQ(still.linf, 0.0);
}
