// Faults (issue 18): what the CLI and the scores cache do when a run is killed, the disk fills up, an output
// directory is read-only, an input cannot be read, a directory input has a symlink loop or 10,000 shards.
// Each ends with a clear message and, for the CLI, exit 1, and never leaves a partial file at a final name.
//
// Runs as root in CI, and root ignores permission bits: the permission tests run the CLI as nobody through
// setpriv(1), and are skipped with the reason where that is not possible.

#include "scan.h"
#include "scorestore.h"
#include "testdata.h"
#include "testutil.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <chrono>
#include <cstring>
#include <map>
#include <set>

#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/mount.h>
#include <unistd.h>

using namespace shardscope;
using namespace testutil;

namespace {

struct Run {
    int code = -1; // -1: killed by a signal, or did not finish
    QString out, err;
};

// Real e-mails (Dolma-style records): the generated fixture when it was made, else the shared copy.
std::string emailsPath()
{
    const std::string generated = testdata::fixture("spam_ham.jsonl");
    if (testdata::exists(generated))
        return generated;
    const std::string shared = testdata::shared("fixtures/spamassassin_40spam_40ham.jsonl");
    return testdata::exists(shared) ? shared : std::string();
}
#define REQUIRE_EMAILS()                                                                                               \
    do {                                                                                                               \
        if (emailsPath().empty())                                                                                      \
            QSKIP(testdata::missingFixture("spam_ham.jsonl").constData());                                             \
    } while (false)

// The e-mails as records ending in '\n', repeated `copies` times.
std::string emails(int copies)
{
    std::string one = readFile(emailsPath());
    if (!one.empty() && one.back() != '\n')
        one += '\n';
    std::string out;
    out.reserve(one.size() * size_t(copies));
    for (int i = 0; i < copies; ++i)
        out += one;
    return out;
}

QString cli()
{
    return QStringLiteral(SHARDSCOPE_CLI);
}

const QStringList kNobody = { QStringLiteral("--reuid=65534"), QStringLiteral("--regid=65534"),
    QStringLiteral("--clear-groups"), QStringLiteral("--") };

// Empty when the permission tests can run: not root, or root that can become nobody with setpriv, and nobody
// can run the CLI and reach `dir` (a build or temporary directory under a private home would stop it).
QString unprivilegedUnavailable(const QString& dir)
{
    if (::geteuid() != 0)
        return {};
    if (QStandardPaths::findExecutable(QStringLiteral("setpriv")).isEmpty())
        return QStringLiteral("running as root (permission bits do not apply) and setpriv (util-linux) is missing");
    for (const QStringList& probe : { QStringList { cli(), QStringLiteral("--version") },
             QStringList { QStringLiteral("test"), QStringLiteral("-x"), dir } }) {
        QProcess p;
        p.start(QStringLiteral("setpriv"), kNobody + probe);
        if (!p.waitForFinished(10000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0)
            return QStringLiteral("running as root, and as uid 65534 (setpriv) '%1' fails: %2")
                .arg(probe.join(QLatin1Char(' ')), QString::fromUtf8(p.readAllStandardError()));
    }
    return {};
}

void setEnv(QProcess& p, const QString& cacheDir)
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("SHARDSCOPE_CACHE_DIR"), cacheDir);
    p.setProcessEnvironment(env);
}

enum class As { Me, Nobody };

// Runs the CLI in `cwd`; with limitKb, under `ulimit -f` (KiB); as nobody where asked and we are root.
Run runCli(const QStringList& args, const QString& cwd, const QString& cacheDir, const QString& limitKb = {},
    As as = As::Me, int timeoutMs = 300000)
{
    QProcess p;
    setEnv(p, cacheDir);
    p.setWorkingDirectory(cwd);
    if (!limitKb.isEmpty())
        p.start(QStringLiteral("bash"),
            QStringList {
                QStringLiteral("-c"), QStringLiteral("ulimit -f %1 && exec \"$0\" \"$@\"").arg(limitKb), cli() }
                + args);
    else if (as == As::Nobody && ::geteuid() == 0)
        p.start(QStringLiteral("setpriv"), kNobody + QStringList { cli() } + args);
    else
        p.start(cli(), args);
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        return { -1, QString(), QStringLiteral("did not finish in %1 s").arg(timeoutMs / 1000) };
    }
    return { p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAllStandardOutput()),
        QString::fromUtf8(p.readAllStandardError()) };
}

// Every file under `dir`, by path relative to it, with its bytes.
std::map<QString, std::string> filesIn(const QString& dir)
{
    std::map<QString, std::string> out;
    QDir d(dir);
    for (const QString& name : d.entryList(QDir::Files | QDir::Hidden | QDir::System))
        out[name] = readFile(d.filePath(name).toStdString());
    return out;
}

bool isTemp(const QString& name)
{
    return name.contains(QLatin1String(".tmp-"));
}

// Kills a process the moment a file whose name starts with `prefix` is created in `dir` (inotify, so the kill
// lands while that file is being written, not some polling interval later). The watch is set up before the
// process starts.
class KillOnCreate {
public:
    explicit KillOnCreate(const QString& dir)
        : m_fd(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK))
    {
        if (m_fd >= 0)
            m_ok = ::inotify_add_watch(m_fd, QFile::encodeName(dir).constData(), IN_CREATE) >= 0;
    }
    ~KillOnCreate()
    {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    bool ok() const { return m_ok; }
    // True when the file appeared and the process was sent SIGKILL; false when it finished first (or timed out).
    bool killWhenCreated(QProcess& p, const QString& prefix, int timeoutMs)
    {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
        alignas(inotify_event) char buf[4096];
        while (std::chrono::steady_clock::now() < deadline) {
            pollfd pfd { m_fd, POLLIN, 0 };
            if (::poll(&pfd, 1, 20) > 0) {
                const ssize_t n = ::read(m_fd, buf, sizeof buf);
                for (ssize_t off = 0; off < n;) {
                    const auto* ev = reinterpret_cast<const inotify_event*>(buf + off);
                    if (ev->len && QString::fromLocal8Bit(ev->name).startsWith(prefix)) {
                        ::kill(pid_t(p.processId()), SIGKILL);
                        p.waitForFinished();
                        return true;
                    }
                    off += ssize_t(sizeof(inotify_event) + ev->len);
                }
            }
            if (p.waitForFinished(0))
                return false;
        }
        return false;
    }

private:
    int m_fd;
    bool m_ok = false;
};

const char* kConfig = R"({"format":"shardscope-filter","version":1,"rules":[{"scorer":"zlib6","min":0.3,"max":0.5}]})";

} // namespace

class TestFaults : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString path(const QString& rel) const { return m_dir.filePath(rel); }
    QString cache() const { return path(QStringLiteral("cache")); }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(QFile::exists(cli()), "shardscope-cli is not built");
        QVERIFY(m_dir.isValid());
    }

    // kill -9 of `apply` half-way: every file at a final name is whole (the one a complete run writes), the
    // unfinished ones exist only as temporary files, there is no summary.json; the same command again removes
    // those temporary files and writes exactly what an uninterrupted run writes.
    void applyKilledHalfwayThenRerun()
    {
        REQUIRE_EMAILS();
        QDir().mkpath(path(QStringLiteral("kill/in")));
        // Four shards of ~20 MB: at one thread `apply` spends about half a second on each.
        const std::string shard = emails(std::max(1, int((20 << 20) / std::max<size_t>(1, emails(1).size()))));
        QStringList shards;
        for (int s = 0; s < 4; ++s) {
            shards << path(QStringLiteral("kill/in/part-%1.jsonl").arg(s));
            writeFile(shards.last().toStdString(), shard);
        }
        writeFile(path(QStringLiteral("kill/f.json")).toStdString(), kConfig);
        const QStringList args = QStringList { QStringLiteral("apply"), QStringLiteral("-q"), QStringLiteral("-j1"),
            QStringLiteral("--config"), path(QStringLiteral("kill/f.json")), QStringLiteral("--out"),
            QStringLiteral("out"), QStringLiteral("--dropped"), QStringLiteral("--rejected") }
            + shards;

        QDir().mkpath(path(QStringLiteral("kill/ref")));
        Run ref = runCli(args, path(QStringLiteral("kill/ref")), cache());
        QVERIFY2(ref.code == 0, qPrintable(ref.err));
        const auto expected = filesIn(path(QStringLiteral("kill/ref/out")));
        QCOMPARE(expected.size(), size_t(4 * 5 + 1));

        const QString out = path(QStringLiteral("kill/run/out"));
        QDir().mkpath(out);
        KillOnCreate watch(out);
        QVERIFY(watch.ok());
        QProcess p;
        setEnv(p, cache());
        p.setWorkingDirectory(path(QStringLiteral("kill/run")));
        p.start(cli(), args);
        QVERIFY(p.waitForStarted());
        // Killed when the third shard's output is started: the first shard's outputs are final by then (their
        // commit runs beside the scan, and the second shard took about half a second).
        QVERIFY2(watch.killWhenCreated(p, QStringLiteral("part-2.kept.jsonl.zst.tmp-"), 120000),
            "apply finished (or hung) before it started the third shard's output");
        QCOMPARE(p.exitStatus(), QProcess::CrashExit);

        int temps = 0, finals = 0;
        for (const auto& [name, bytes] : filesIn(out)) {
            if (isTemp(name)) {
                ++temps;
                continue;
            }
            ++finals;
            QVERIFY2(expected.count(name), qPrintable(name));
            QVERIFY2(bytes == expected.at(name), qPrintable(name + QStringLiteral(" is partial")));
        }
        QVERIFY2(temps > 0, "the kill did not land while an output was being written");
        QVERIFY2(finals >= 5, "the first shard's outputs should be final");
        QVERIFY(!QFile::exists(out + QStringLiteral("/summary.json")));

        Run again = runCli(args, path(QStringLiteral("kill/run")), cache());
        QVERIFY2(again.code == 0, qPrintable(again.err));
        const auto rerun = filesIn(out);
        QStringList names;
        for (const auto& [name, bytes] : rerun)
            names << name;
        QVERIFY2(rerun.size() == expected.size(), qPrintable(names.join(QLatin1Char(' ')))); // no *.tmp-* left
        for (const auto& [name, bytes] : expected) {
            QVERIFY2(rerun.count(name), qPrintable(name));
            QVERIFY2(rerun.at(name) == bytes, qPrintable(name + QStringLiteral(" differs from an uninterrupted run")));
        }
    }

    // kill -9 while the scores file is written: the previous file at the final name is untouched, and the next
    // `score` rescores (the older file lacks the columns), removes the killed run's temporary file and writes
    // the same TSV as a run without any cache.
    void scoresKilledWhileWritten()
    {
        REQUIRE_EMAILS();
        QDir().mkpath(path(QStringLiteral("skill/sf")));
        const QString shard = path(QStringLiteral("skill/mail.jsonl"));
        writeFile(shard.toStdString(), emails(10));
        const QString scores = path(QStringLiteral("skill/sf/scores.sscores"));
        const QString cwd = path(QStringLiteral("skill"));
        Run old = runCli({ QStringLiteral("score"), QStringLiteral("-q"), QStringLiteral("--scorers"),
                             QStringLiteral("zlib6"), QStringLiteral("--scores-file"), scores, shard },
            cwd, cache());
        QVERIFY2(old.code == 0, qPrintable(old.err));
        const std::string previous = readFile(scores.toStdString());
        Run ref = runCli(
            { QStringLiteral("score"), QStringLiteral("-q"), QStringLiteral("--no-cache"), QStringLiteral("--scorers"),
                QStringLiteral("all"), QStringLiteral("--tsv"), QStringLiteral("ref.tsv"), shard },
            cwd, cache());
        QVERIFY2(ref.code == 0, qPrintable(ref.err));

        const QStringList args = { QStringLiteral("score"), QStringLiteral("--scorers"), QStringLiteral("all"),
            QStringLiteral("--scores-file"), scores, QStringLiteral("--tsv"), QStringLiteral("t.tsv"), shard };
        bool landed = false;
        for (int attempt = 0; attempt < 5 && !landed; ++attempt) {
            KillOnCreate watch(path(QStringLiteral("skill/sf")));
            QVERIFY(watch.ok());
            QProcess p;
            setEnv(p, cache());
            p.setWorkingDirectory(cwd);
            p.start(cli(), args);
            QVERIFY(p.waitForStarted());
            if (!watch.killWhenCreated(p, QStringLiteral("scores.sscores.tmp-"), 120000))
                QFAIL("score finished (or hung) without writing its scores file");
            QCOMPARE(p.exitStatus(), QProcess::CrashExit);
            // Whatever the moment of the kill, the final name holds the previous file, whole.
            QVERIFY2(readFile(scores.toStdString()) == previous, "the scores file at the final name changed");
            for (const auto& [name, bytes] : filesIn(path(QStringLiteral("skill/sf"))))
                landed = landed || isTemp(name);
        }
        if (!landed)
            QSKIP("five kills all landed after the temporary scores file was renamed or removed");

        Run again = runCli(args, cwd, cache());
        QVERIFY2(again.code == 0, qPrintable(again.err));
        QVERIFY2(!again.err.contains(QLatin1String("no rescoring")), qPrintable(again.err));
        QCOMPARE(QDir(path(QStringLiteral("skill/sf"))).entryList(QDir::Files),
            QStringList { QStringLiteral("scores.sscores") });
        QVERIFY(readFile(path(QStringLiteral("skill/t.tsv")).toStdString())
            == readFile(path(QStringLiteral("skill/ref.tsv")).toStdString()));
        Run cached = runCli(args, cwd, cache());
        QVERIFY2(cached.code == 0 && cached.err.contains(QLatin1String("no rescoring")), qPrintable(cached.err));
    }

    // A scores file torn at its final name (the machine went down before the data reached the disk, a partial
    // copy, a disk fault) is never loaded: loadScores() rejects it, and `score` says so, rescores, writes the same
    // TSV as a run without cache, and replaces the file with a good one.
    void tornScoresFileIsRescored_data()
    {
        QTest::addColumn<QString>("damage");
        QTest::newRow("empty") << QStringLiteral("empty");
        QTest::newRow("cut inside the header") << QStringLiteral("cut:100");
        QTest::newRow("cut in half") << QStringLiteral("half");
        QTest::newRow("last byte missing") << QStringLiteral("cut:-1");
        QTest::newRow("bytes appended") << QStringLiteral("append");
        QTest::newRow("bit flipped in the last score column") << QStringLiteral("flip:-8");
        QTest::newRow("bit flipped in the first block") << QStringLiteral("flip:first");
        QTest::newRow("digit changed in the header") << QStringLiteral("header-digit");
        QTest::newRow("format version 1 (before checksums)") << QStringLiteral("version:1");
    }
    void tornScoresFileIsRescored()
    {
        REQUIRE_EMAILS();
        QFETCH(QString, damage);
        const QString dir = path(QStringLiteral("torn/")
            + QString::fromLatin1(QTest::currentDataTag()).replace(QLatin1Char(' '), QLatin1Char('_')));
        QDir().mkpath(dir);
        const QString shard = dir + QStringLiteral("/mail.jsonl");
        writeFile(shard.toStdString(), emails(2));
        const QString scores = dir + QStringLiteral("/scores.sscores");
        const QStringList args
            = { QStringLiteral("score"), QStringLiteral("--scorers"), QStringLiteral("zlib6,gopher_quality"),
                  QStringLiteral("--scores-file"), scores, QStringLiteral("--tsv"), QStringLiteral("t.tsv"), shard };
        Run first = runCli(args, dir, cache());
        QVERIFY2(first.code == 0, qPrintable(first.err));
        const std::string tsv = readFile((dir + QStringLiteral("/t.tsv")).toStdString());
        std::string bytes = readFile(scores.toStdString());
        QVERIFY(bytes.size() > 1000);
        QCOMPARE(loadScores(scores.toStdString()).index.size(), splitLines(emails(2)).size());
        // The policy the GUI shares with the CLI, with the CLI's fields and scorers: the good file is used.
        registerBuiltinScorers();
        std::vector<std::shared_ptr<const Scorer>> scorers;
        for (auto& sc : ScorerRegistry::instance().resolveList("zlib6,gopher_quality"))
            scorers.push_back(std::move(sc));
        FieldMapping given;
        given.text = FieldMapping::toPointer("text");
        given.id = FieldMapping::toPointer("id");
        const std::vector<std::string> shards = expandShardPaths({ shard.toStdString() });
        const FieldMapping fields = detectFields(shards.front(), given, false);
        std::string unusable;
        QVERIFY(loadCachedScores(scores.toStdString(), shards, fields, scorers, &unusable).has_value());
        QVERIFY(unusable.empty());

        const QString kind = damage.section(QLatin1Char(':'), 0, 0), arg = damage.section(QLatin1Char(':'), 1);
        if (kind == QLatin1String("empty")) {
            bytes.clear();
        } else if (kind == QLatin1String("cut")) {
            const long n = arg.toLong();
            bytes.resize(n < 0 ? bytes.size() - size_t(-n) : size_t(n));
        } else if (kind == QLatin1String("half")) {
            bytes.resize(bytes.size() / 2);
        } else if (kind == QLatin1String("append")) {
            bytes += std::string(64, '\0');
        } else if (kind == QLatin1String("flip")) {
            // The first block starts after the header; the header's length is at byte 16.
            uint64_t headerLen = 0;
            std::memcpy(&headerLen, bytes.data() + 16, 8);
            const size_t at
                = arg == QLatin1String("first") ? size_t(32 + headerLen + 8) : bytes.size() - size_t(-arg.toLong());
            QVERIFY(at < bytes.size());
            bytes[at] = char(bytes[at] ^ 0x01);
        } else if (kind == QLatin1String("header-digit")) {
            const size_t key = bytes.find("\"text_bytes\":");
            QVERIFY(key != std::string::npos);
            const size_t digit = key + std::strlen("\"text_bytes\":");
            QVERIFY(bytes[digit] >= '1' && bytes[digit] <= '8');
            bytes[digit] = char(bytes[digit] + 1);
        } else if (kind == QLatin1String("version")) {
            const uint32_t v = arg.toUInt();
            std::memcpy(bytes.data() + 8, &v, 4);
        }
        writeFile(scores.toStdString(), bytes);
        if (damage == QLatin1String("flip:-8")) {
            // A score column is checked when first read (issue 21): the file loads, and the column reports its
            // corruption with the file's name instead of reading as scores.
            const std::optional<ScanResult> loaded = loadCachedScores(scores.toStdString(), shards, fields, scorers);
            QVERIFY(loaded.has_value());
            const std::vector<std::string> bad = corruptColumns(loaded->scores, true);
            QCOMPARE(bad.size(), size_t(1));
            QVERIFY2(bad[0].find(scores.toStdString()) != std::string::npos, bad[0].c_str());
        } else {
            QVERIFY_THROWS_EXCEPTION(InputError, loadScores(scores.toStdString()));
            QVERIFY(!loadCachedScores(scores.toStdString(), shards, fields, scorers, &unusable).has_value());
            QVERIFY2(unusable.find(scores.toStdString()) != std::string::npos, unusable.c_str());
        }

        Run again = runCli(args, dir, cache());
        QVERIFY2(again.code == 0, qPrintable(again.err));
        QVERIFY2(again.err.contains(QLatin1String("not usable, rescoring")), qPrintable(again.err));
        QVERIFY2(!again.err.contains(QLatin1String("no rescoring")), qPrintable(again.err));
        QVERIFY(readFile((dir + QStringLiteral("/t.tsv")).toStdString()) == tsv);
        // The rescored file replaced the torn one.
        Run third = runCli(args, dir, cache());
        QVERIFY2(third.code == 0 && third.err.contains(QLatin1String("no rescoring")), qPrintable(third.err));
    }

    // A full disk under `apply` (ulimit -f: the write fails with EFBIG): exit 1, the message names the file, no
    // temporary file is left, the outputs of the previous run are whole and unchanged, and summary.json is gone
    // (the directory holds an unfinished run). Without SIGXFSZ ignored, the kernel kills the CLI instead.
    void applyOnFullDisk()
    {
        REQUIRE_EMAILS();
        const QString dir = path(QStringLiteral("full-apply"));
        QDir().mkpath(dir + QStringLiteral("/small"));
        QDir().mkpath(dir + QStringLiteral("/big"));
        writeFile((dir + QStringLiteral("/small/mail.jsonl")).toStdString(), emails(1));
        writeFile((dir + QStringLiteral("/big/mail.jsonl")).toStdString(), emails(2));
        writeFile((dir + QStringLiteral("/f.json")).toStdString(), kConfig);
        auto args = [&](const char* input) {
            return QStringList { QStringLiteral("apply"), QStringLiteral("-q"), QStringLiteral("-j2"),
                QStringLiteral("--config"), QStringLiteral("f.json"), QStringLiteral("--out"), QStringLiteral("out"),
                QStringLiteral("--dropped"), QString::fromLatin1(input) };
        };
        Run previous = runCli(args("small/mail.jsonl"), dir, cache());
        QVERIFY2(previous.code == 0, qPrintable(previous.err));
        auto before = filesIn(dir + QStringLiteral("/out"));
        QVERIFY(before.count(QStringLiteral("summary.json")));

        // 8 KiB: less than the kept records of the e-mails compress to.
        Run full = runCli(args("big/mail.jsonl"), dir, cache(), QStringLiteral("8"));
        QVERIFY2(full.code == 1, qPrintable(QStringLiteral("exit %1: %2").arg(full.code).arg(full.err)));
        QVERIFY2(full.err.contains(QLatin1String("out/mail.")) && full.err.contains(QLatin1String("File too large")),
            qPrintable(full.err));
        const auto after = filesIn(dir + QStringLiteral("/out"));
        before.erase(QStringLiteral("summary.json"));
        QCOMPARE(after.size(), before.size());
        for (const auto& [name, bytes] : before) {
            QVERIFY2(after.count(name), qPrintable(name));
            QVERIFY2(after.at(name) == bytes, qPrintable(name + QStringLiteral(" changed")));
        }
    }

    // The same for the scores file and the TSV of `score`: exit 1, the previous scores file whole and still
    // loaded by the next run, the previous TSV untouched, no temporary files.
    void scoresOnFullDisk()
    {
        REQUIRE_EMAILS();
        const QString dir = path(QStringLiteral("full-score"));
        QDir().mkpath(dir);
        writeFile((dir + QStringLiteral("/mail.jsonl")).toStdString(), emails(2));
        const QStringList zlib = { QStringLiteral("score"), QStringLiteral("--scorers"), QStringLiteral("zlib6"),
            QStringLiteral("--scores-file"), QStringLiteral("s.sscores"), QStringLiteral("--tsv"),
            QStringLiteral("s.tsv"), QStringLiteral("mail.jsonl") };
        Run previous = runCli(zlib, dir, cache());
        QVERIFY2(previous.code == 0, qPrintable(previous.err));
        const auto before = filesIn(dir);

        // All scorers: a scores file far over 8 KiB.
        QStringList all = zlib;
        all[2] = QStringLiteral("all");
        Run full = runCli(all, dir, cache(), QStringLiteral("8"));
        QVERIFY2(full.code == 1, qPrintable(QStringLiteral("exit %1: %2").arg(full.code).arg(full.err)));
        QVERIFY2(full.err.contains(QLatin1String("s.sscores")) && full.err.contains(QLatin1String("File too large")),
            qPrintable(full.err));
        QVERIFY(filesIn(dir) == before);

        // The scores were cached before: the TSV is the write that fails.
        Run tsvOnly = runCli(zlib, dir, cache(), QStringLiteral("1"));
        QVERIFY2(tsvOnly.code == 1 && tsvOnly.err.contains(QLatin1String("s.tsv")), qPrintable(tsvOnly.err));
        QVERIFY(filesIn(dir) == before);

        Run again = runCli(zlib, dir, cache());
        QVERIFY2(again.code == 0 && again.err.contains(QLatin1String("no rescoring")), qPrintable(again.err));
    }

    // Results printed to a full disk (stdout redirected to /dev/full): exit 1 and a message, not a silent success.
    void stdoutOnFullDisk_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::newRow("stats") << QStringList { QStringLiteral("stats"), QStringLiteral("--no-cache"),
            QStringLiteral("mail.jsonl") };
        QTest::newRow("score --tsv -") << QStringList { QStringLiteral("score"), QStringLiteral("--no-cache"),
            QStringLiteral("--tsv"), QStringLiteral("-"), QStringLiteral("mail.jsonl") };
        QTest::newRow("scorers") << QStringList { QStringLiteral("scorers") };
    }
    void stdoutOnFullDisk()
    {
        REQUIRE_EMAILS();
        if (!QFile::exists(QStringLiteral("/dev/full")))
            QSKIP("no /dev/full here");
        QFETCH(QStringList, args);
        const QString dir = path(QStringLiteral("stdout-full"));
        QDir().mkpath(dir);
        writeFile((dir + QStringLiteral("/mail.jsonl")).toStdString(), emails(1));
        QProcess p;
        setEnv(p, cache());
        p.setWorkingDirectory(dir);
        p.setStandardOutputFile(QStringLiteral("/dev/full"));
        p.start(cli(), args);
        QVERIFY(p.waitForFinished(120000));
        const QString err = QString::fromUtf8(p.readAllStandardError());
        QVERIFY2(p.exitStatus() == QProcess::NormalExit && p.exitCode() == 1, qPrintable(err));
        QVERIFY2(err.contains(QLatin1String("error: standard output: write failed")), qPrintable(err));
    }

    // A real full file system (a 64 KiB tmpfs: ENOSPC rather than EFBIG), where this machine lets us mount one.
    // One shard: the outputs fill it while they are written. Many one-record shards: every output fits the
    // write buffer, and the disk is found full when a finished shard's outputs are committed (on apply's
    // committing threads, not the scan's).
    void applyOnFullTmpfs_data()
    {
        QTest::addColumn<int>("shards");
        QTest::newRow("outputs fill it") << 1;
        QTest::newRow("commits fill it") << 300;
    }
    void applyOnFullTmpfs()
    {
        REQUIRE_EMAILS();
        QFETCH(int, shards);
        const QString mnt = path(QStringLiteral("tmpfs-%1").arg(shards));
        QDir().mkpath(mnt);
        if (::mount("tmpfs", QFile::encodeName(mnt).constData(), "tmpfs", 0, "size=64k") != 0)
            QSKIP(qPrintable(QStringLiteral("cannot mount a tmpfs here (%1): the ulimit -f tests cover a full disk")
                                 .arg(QString::fromLocal8Bit(std::strerror(errno)))));
        struct Unmount {
            QByteArray at;
            ~Unmount() { ::umount2(at.constData(), MNT_DETACH); }
        } unmount { QFile::encodeName(mnt) };
        const QString dir = path(QStringLiteral("full-tmpfs-%1").arg(shards));
        QDir().mkpath(dir + QStringLiteral("/in"));
        if (shards == 1) {
            // The kept e-mails alone compress to more than 64 KiB.
            writeFile((dir + QStringLiteral("/in/mail.jsonl")).toStdString(), emails(1));
        } else {
            const std::vector<std::string> records = splitLines(emails(1));
            for (int i = 0; i < shards; ++i)
                writeFile((dir + QStringLiteral("/in/s%1.jsonl").arg(i, 3, 10, QLatin1Char('0'))).toStdString(),
                    records[size_t(i) % records.size()] + "\n");
        }
        writeFile((dir + QStringLiteral("/f.json")).toStdString(), kConfig);
        Run full = runCli({ QStringLiteral("apply"), QStringLiteral("-q"), QStringLiteral("-j2"),
                              QStringLiteral("--config"), QStringLiteral("f.json"), QStringLiteral("--out"),
                              mnt + QStringLiteral("/out"), QStringLiteral("--dropped"), QStringLiteral("in") },
            dir, cache());
        QVERIFY2(full.code == 1, qPrintable(QStringLiteral("exit %1: %2").arg(full.code).arg(full.err)));
        // The output that did not fit is named (not summary.json, which a lost error would leave to fail last).
        const QRegularExpression named(
            QStringLiteral("error: \\S+/out/\\S+\\.(kept|dropped)\\.\\S+: cannot write: No space left on device"));
        QVERIFY2(named.match(full.err).hasMatch(), qPrintable(full.err));
        const auto left = filesIn(mnt + QStringLiteral("/out"));
        for (const auto& [name, bytes] : left)
            QVERIFY2(!isTemp(name) && name != QLatin1String("summary.json"), qPrintable(name));
    }

    // A read-only output directory fails at once (before a pass over the corpus), names the directory, exit 1.
    void readOnlyOutputDirectory()
    {
        REQUIRE_EMAILS();
        const QString dir = path(QStringLiteral("ro"));
        QDir().mkpath(dir + QStringLiteral("/out"));
        writeFile((dir + QStringLiteral("/mail.jsonl")).toStdString(), emails(1));
        writeFile((dir + QStringLiteral("/f.json")).toStdString(), kConfig);
        for (const QString& p : { m_dir.path(), dir, dir + QStringLiteral("/out") })
            QVERIFY(QFile::setPermissions(p,
                QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner | QFile::ReadGroup | QFile::ExeGroup
                    | QFile::ReadOther | QFile::ExeOther));
        if (const QString why = unprivilegedUnavailable(dir); !why.isEmpty())
            QSKIP(qPrintable(why));
        // Owned by root, 0755: read-only to nobody (and to any other user when the tests do not run as root).
        if (::geteuid() != 0)
            QVERIFY(QFile::setPermissions(dir + QStringLiteral("/out"), QFile::ReadOwner | QFile::ExeOwner));
        Run apply = runCli(
            { QStringLiteral("apply"), QStringLiteral("-j2"), QStringLiteral("--config"), QStringLiteral("f.json"),
                QStringLiteral("--out"), QStringLiteral("out"), QStringLiteral("mail.jsonl") },
            dir, cache(), {}, As::Nobody);
        QVERIFY2(apply.code == 1, qPrintable(QStringLiteral("exit %1: %2").arg(apply.code).arg(apply.err)));
        QVERIFY2(apply.err.contains(QLatin1String("out: cannot write to the output directory: Permission denied")),
            qPrintable(apply.err));
        Run tsv = runCli({ QStringLiteral("score"), QStringLiteral("--no-cache"), QStringLiteral("--tsv"),
                             QStringLiteral("out/s.tsv"), QStringLiteral("mail.jsonl") },
            dir, cache(), {}, As::Nobody);
        QVERIFY2(tsv.code == 1 && tsv.err.contains(QLatin1String("out/s.tsv"))
                && tsv.err.contains(QLatin1String("Permission denied")),
            qPrintable(tsv.err));
        QCOMPARE(QDir(dir + QStringLiteral("/out")).entryList(QDir::Files), QStringList());
    }

    // An input that cannot be read is an error naming it, exit 1, before any output: a corpus read with a part
    // silently missing would give wrong counts.
    void unreadableInput_data()
    {
        QTest::addColumn<QString>("input"); // what is passed on the command line
        QTest::addColumn<QString>("locked"); // what is made unreadable
        QTest::newRow("shard named on the command line")
            << QStringLiteral("corpus/a.jsonl") << QStringLiteral("corpus/a.jsonl");
        QTest::newRow("shard in a directory") << QStringLiteral("corpus") << QStringLiteral("corpus/sub/b.jsonl");
        QTest::newRow("subdirectory of a directory") << QStringLiteral("corpus") << QStringLiteral("corpus/sub");
    }
    void unreadableInput()
    {
        REQUIRE_EMAILS();
        QFETCH(QString, input);
        QFETCH(QString, locked);
        const QString dir = path(QStringLiteral("unreadable-") + QString::number(qHash(locked)));
        QDir().mkpath(dir + QStringLiteral("/corpus/sub"));
        const std::string mail = emails(1);
        writeFile((dir + QStringLiteral("/corpus/a.jsonl")).toStdString(), mail);
        writeFile((dir + QStringLiteral("/corpus/sub/b.jsonl")).toStdString(), mail);
        writeFile((dir + QStringLiteral("/f.json")).toStdString(), kConfig);
        const auto open = QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner | QFile::ReadGroup | QFile::ExeGroup
            | QFile::ReadOther | QFile::ExeOther;
        for (const QString& p :
            { m_dir.path(), dir, dir + QStringLiteral("/corpus"), dir + QStringLiteral("/corpus/sub") })
            QVERIFY(QFile::setPermissions(p, open));
        if (const QString why = unprivilegedUnavailable(dir); !why.isEmpty())
            QSKIP(qPrintable(why));
        QVERIFY(QFile::setPermissions(dir + QLatin1Char('/') + locked, QFile::WriteOwner));
        QVERIFY(QFile::setPermissions(dir, open | QFile::WriteOther)); // so nobody could create out/
        Run r = runCli({ QStringLiteral("apply"), QStringLiteral("-j2"), QStringLiteral("--config"),
                           QStringLiteral("f.json"), QStringLiteral("--out"), QStringLiteral("out"), input },
            dir, cache(), {}, As::Nobody);
        QVERIFY(QFile::setPermissions(dir + QLatin1Char('/') + locked, open)); // so the temporary directory can go
        QVERIFY2(r.code == 1, qPrintable(QStringLiteral("exit %1: %2").arg(r.code).arg(r.err)));
        QVERIFY2(r.err.contains(locked) && r.err.contains(QLatin1String("Permission denied")), qPrintable(r.err));
        QVERIFY2(!QFile::exists(dir + QStringLiteral("/out")), "apply wrote outputs before reporting the input");
    }

    // Links in a directory input: a loop of directory links does not hang or count a shard twice (links to
    // directories are not followed); a link named like a shard that loops or dangles is reported, exit 1.
    void symlinkLoops()
    {
        REQUIRE_EMAILS();
        const QString dir = path(QStringLiteral("links"));
        QDir().mkpath(dir + QStringLiteral("/corpus/sub"));
        writeFile((dir + QStringLiteral("/corpus/a.jsonl")).toStdString(), emails(1));
        QVERIFY(QFile::link(QStringLiteral("."), dir + QStringLiteral("/corpus/self")));
        QVERIFY(QFile::link(QStringLiteral(".."), dir + QStringLiteral("/corpus/sub/up")));
        QVERIFY(QFile::link(QStringLiteral("a.jsonl"), dir + QStringLiteral("/corpus/alias.jsonl")));
        const QStringList args = { QStringLiteral("score"), QStringLiteral("--no-cache"), QStringLiteral("-j2"),
            QStringLiteral("--tsv"), QStringLiteral("t.tsv"), QStringLiteral("corpus") };
        Run r = runCli(args, dir, cache(), {}, As::Me, 60000);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const size_t docs = splitLines(emails(1)).size();
        // a.jsonl and the file link to it, once each; nothing through the directory links.
        QCOMPARE(splitLines(readFile((dir + QStringLiteral("/t.tsv")).toStdString())).size(), 2 * docs + 1);

        QVERIFY(QFile::link(QStringLiteral("loop.jsonl"), dir + QStringLiteral("/corpus/sub/loop.jsonl")));
        r = runCli(args, dir, cache(), {}, As::Me, 60000);
        QVERIFY2(r.code == 1, qPrintable(QStringLiteral("exit %1: %2").arg(r.code).arg(r.err)));
        QVERIFY2(
            r.err.contains(QLatin1String("corpus/sub/loop.jsonl")) && r.err.contains(QLatin1String("symbolic links")),
            qPrintable(r.err));
        QFile::remove(dir + QStringLiteral("/corpus/sub/loop.jsonl"));
        QVERIFY(QFile::link(QStringLiteral("gone.jsonl"), dir + QStringLiteral("/corpus/sub/dangling.jsonl")));
        r = runCli(args, dir, cache(), {}, As::Me, 60000);
        QVERIFY2(r.code == 1, qPrintable(QStringLiteral("exit %1: %2").arg(r.code).arg(r.err)));
        QVERIFY2(r.err.contains(QLatin1String("corpus/sub/dangling.jsonl")), qPrintable(r.err));
    }

    // 10,000 one-record shards in 100 subdirectories: every record counted once, in path order, the scores
    // cache reused, and `apply` writes one output per shard with counts that add up.
    void tenThousandShards()
    {
        REQUIRE_EMAILS();
        // On a tmpfs when there is one. On the disk of the machine this was written on, creating and removing 20,000
        // files took over a minute and apply's fsync of each output ~5 ms (47 s of 51 s for 10,000 shards): the cost of
        // a durable file per shard, which this test is not about.
        QTemporaryDir shm(QStringLiteral("/dev/shm/tst_faults-XXXXXX"));
        const QString dir = shm.isValid() ? shm.path() : path(QStringLiteral("many"));
        const std::vector<std::string> records = splitLines(emails(1));
        for (int i = 0; i < 10000; ++i) {
            const QString sub = dir + QStringLiteral("/corpus/d%1").arg(i / 100, 2, 10, QLatin1Char('0'));
            if (i % 100 == 0)
                QDir().mkpath(sub);
            writeFile((sub + QStringLiteral("/s%1.jsonl").arg(i, 5, 10, QLatin1Char('0'))).toStdString(),
                records[size_t(i) % records.size()] + "\n");
        }
        const QStringList score = { QStringLiteral("score"), QStringLiteral("-j2"), QStringLiteral("--tsv"),
            QStringLiteral("t.tsv"), QStringLiteral("corpus") };
        Run r = runCli(score, dir, cache());
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY2(r.err.contains(QLatin1String("10000 shard(s)"))
                && r.err.contains(QLatin1String("read=10000 docs=10000 rejected=0")),
            qPrintable(r.err));
        const std::vector<std::string> rows = splitLines(readFile((dir + QStringLiteral("/t.tsv")).toStdString()));
        QCOMPARE(rows.size(), size_t(10001));
        for (size_t i = 1; i < rows.size(); i += 997) { // in shard order: row i is record (i-1) mod 80
            const std::string id = splitTabs(rows[i]).front();
            QVERIFY2(records[(i - 1) % records.size()].find(id) != std::string::npos, id.c_str());
        }
        Run again = runCli(score, dir, cache());
        QVERIFY2(again.code == 0 && again.err.contains(QLatin1String("no rescoring")), qPrintable(again.err));

        writeFile((dir + QStringLiteral("/f.json")).toStdString(), kConfig);
        Run apply = runCli(
            { QStringLiteral("apply"), QStringLiteral("-q"), QStringLiteral("-j2"), QStringLiteral("--config"),
                QStringLiteral("f.json"), QStringLiteral("--out"), QStringLiteral("out"), QStringLiteral("corpus") },
            dir, cache());
        QVERIFY2(apply.code == 0, qPrintable(apply.err));
        QRegularExpression counts(QStringLiteral("read=(\\d+) kept=(\\d+) dropped=(\\d+) rejected=(\\d+)"));
        const auto m = counts.match(apply.out);
        QVERIFY2(m.hasMatch(), qPrintable(apply.out));
        QCOMPARE(m.captured(1).toInt(), 10000);
        QCOMPARE(m.captured(2).toInt() + m.captured(3).toInt() + m.captured(4).toInt(), 10000);
        QCOMPARE(QDir(dir + QStringLiteral("/out")).entryList(QDir::Files).size(), 10001);
    }

    // The index stores a document's shard in 16 bits: a scan of more shards is refused up front, naming the
    // first shard past the limit, instead of wrapping and reading documents from the wrong file.
    void tooManyShardsAreRefused()
    {
        ScanOptions o;
        for (size_t i = 0; i <= kMaxShards; ++i)
            o.shards.push_back("/corpus/s" + std::to_string(i) + ".jsonl");
        try {
            Scan scan(o);
            QFAIL("a scan of 65,536 shards was accepted");
        } catch (const InputError& e) {
            QCOMPARE(e.file(), std::string("/corpus/s65535.jsonl"));
            QVERIFY2(
                std::string(e.what()).find("65536 shards in one scan, at most 65535") != std::string::npos, e.what());
        }
        o.shards.pop_back();
        Scan fits(o); // 65,535 is fine (not run: the files do not exist)
    }
};

QTEST_APPLESS_MAIN(TestFaults)
#include "tst_faults.moc"
