// Issue 22, part 4: the model shape for a training time budget (core/lm/lmshape.h). Pure arithmetic on the
// measured table, so it runs in every build, with or without libtorch.

#include "lm/lmshape.h"

#include <QTest>

using namespace shardscope::lm;

namespace {

int rankOf(const ModelShape& s)
{
    // Larger shapes have more parameters; the candidates are ordered by them.
    return int(s.parameters() / 1000);
}

} // namespace

class TestLmShape : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void parametersAsTheTrainerCountsThem()
    {
        // bytelmtrainer.cpp prints these for the same shapes ("3.29M parameters", "0.46M", "1.43M", "10.84M").
        QCOMPARE(ModelShape {}.parameters(), int64_t(3290880));
        QCOMPARE((ModelShape { 2, 128, 4, 256, 16 }.parameters() + 5000) / 10000, int64_t(46));
        QCOMPARE((ModelShape { 3, 192, 4, 256, 16 }.parameters() + 5000) / 10000, int64_t(143));
        QCOMPARE((ModelShape { 6, 384, 6, 256, 16 }.parameters() + 5000) / 10000, int64_t(1084));
        QCOMPARE(ModelShape {}.name(), std::string("4x256"));
    }

    void monotoneInMinutes_data()
    {
        QTest::addColumn<QString>("device");
        QTest::addColumn<int>("threads");
        QTest::newRow("cpu, 1 thread") << QStringLiteral("cpu") << 1;
        QTest::newRow("cpu, 2 threads") << QStringLiteral("cpu") << 2;
        QTest::newRow("cpu, 16 threads") << QStringLiteral("cpu") << 16;
        QTest::newRow("cuda:0") << QStringLiteral("cuda:0") << 1;
    }
    void monotoneInMinutes()
    {
        QFETCH(QString, device);
        QFETCH(int, threads);
        const std::string dev = device.toStdString();
        int last = 0;
        std::string seen;
        for (double minutes : { 0.25, 0.5, 1.0, 2.0, 2.5, 5.0, 10.0, 20.0, 60.0, 240.0, 1440.0 }) {
            const ShapeChoice c = chooseShapeForBudget(minutes, dev, threads);
            QVERIFY2(rankOf(c.shape) >= last, (c.reason + " after " + seen).c_str());
            QVERIFY(c.budgetTokens > 0);
            QVERIFY(!c.reason.empty());
            last = rankOf(c.shape);
            seen = c.reason;
        }
        // The range is used: a day picks something larger than a quarter of a minute.
        QVERIFY(rankOf(chooseShapeForBudget(1440, dev, threads).shape)
            > rankOf(chooseShapeForBudget(0.25, dev, threads).shape));
    }

    void moreThreadsNeverSmaller()
    {
        for (double minutes : { 1.0, 5.0, 30.0 }) {
            int last = 0;
            for (int threads : { 1, 2, 4, 8, 32 }) {
                const int r = rankOf(chooseShapeForBudget(minutes, "cpu", threads).shape);
                QVERIFY(r >= last);
                last = r;
            }
        }
    }

    void respectsTheDevice()
    {
        // The GPU is far faster than a core: at least as large a shape, trained with batch 64.
        for (double minutes : { 0.75, 5.0 }) {
            const ShapeChoice gpu = chooseShapeForBudget(minutes, "cuda:1", 1);
            const ShapeChoice cpu = chooseShapeForBudget(minutes, "cpu", 2);
            QVERIFY2(rankOf(gpu.shape) >= rankOf(cpu.shape), (gpu.reason + " / " + cpu.reason).c_str());
            QCOMPARE(gpu.shape.batch, 64);
            QCOMPARE(cpu.shape.batch, 16);
            QVERIFY(gpu.tokensPerSecond > 10 * cpu.tokensPerSecond);
        }
        // Anything that is not CUDA is the CPU ("auto" must be resolved by the caller first).
        QCOMPARE(chooseShapeForBudget(5, "auto", 2).shape, chooseShapeForBudget(5, "cpu", 2).shape);
        QCOMPARE(chooseShapeForBudget(5, "cuda", 2).shape, chooseShapeForBudget(5, "cuda:0", 2).shape);
    }

    void noTimeBudgetKeepsTheDefault()
    {
        QCOMPARE(chooseShapeForBudget(0, "cpu", 2).shape, ModelShape {});
        QCOMPARE(chooseShapeForBudget(-1, "cuda:0", 1).shape, ModelShape {});
    }

    void picksTheMeasuredBestAtTheMeasuredBudget()
    {
        // The rule reproduces its own measurement: the measured budget, on one thread, chooses the shape
        // with the lowest held-out bits per byte.
        const ShapeMeasurement* best = nullptr;
        for (const auto& m : measuredShapes())
            if (m.heldoutBpb > 0 && (!best || m.heldoutBpb < best->heldoutBpb))
                best = &m;
        QVERIFY(best);
        QCOMPARE(chooseShapeForBudget(kMeasuredBudgetMinutes, "cpu", 1).shape.name(), best->shape.name());
    }

    void applyShapeSetsTheTrainerOptions()
    {
        TrainOptions o;
        applyShape(o, ModelShape { 2, 128, 4, 128, 64 });
        QCOMPARE(o.layers, 2);
        QCOMPARE(o.hidden, 128);
        QCOMPARE(o.heads, 4);
        QCOMPARE(o.context, 128);
        QCOMPARE(o.batch, 64);
    }
};

QTEST_APPLESS_MAIN(TestLmShape)
#include "tst_lmshape.moc"
