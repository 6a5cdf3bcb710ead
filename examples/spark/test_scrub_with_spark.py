"""Runs the Spark example in local mode on a small gzip archive; skipped when pyspark or Java is missing.

    SLADD=.build/debug/sladd python3 examples/spark/test_scrub_with_spark.py
Exit status: 0 passed, 1 failed, 77 skipped (the automake convention).
"""

import glob
import gzip
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))


def main():
    try:
        import pyspark  # noqa: F401
    except ImportError:
        print("skipped: pyspark is not installed (pip install pyspark)")
        return 77
    if not shutil.which("java"):
        print("skipped: Spark needs Java (apt-get install default-jre-headless)")
        return 77
    from pyspark.sql import SparkSession
    from scrub_with_spark import scrub

    sladd = os.path.abspath(os.environ.get("SLADD", "sladd"))
    with tempfile.TemporaryDirectory() as folder:
        lines = [f"{i} GET /orders fnr=01019012480 mail=kari{i}@example.no took={i}ms" for i in range(2000)]
        for part in range(3):
            with gzip.open(f"{folder}/app.log.{part}.gz", "wt") as out:
                out.write("\n".join(lines) + "\n")
        spark = (SparkSession.builder.master("local[2]").appName("sladd-test")
                 .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                 .config("spark.ui.enabled", "false").getOrCreate())
        try:
            scrub(spark.sparkContext, f"{folder}/app.log.*.gz", f"{folder}/clean", sladd)
        finally:
            spark.stop()
        result = []
        for name in sorted(glob.glob(f"{folder}/clean/part-*")):
            with gzip.open(name, "rt") as part_file:
                result.extend(part_file.read().splitlines())
        expected = subprocess.run([sladd], input="\n".join(lines) + "\n", capture_output=True, text=True).stdout.splitlines()
        if sorted(result) != sorted(expected * 3) or any("01019012480" in line for line in result):
            print("failed: the Spark output differs from the stream filter's")
            return 1
    print(f"passed: {len(result)} lines masked through Spark")
    return 0


if __name__ == "__main__":
    sys.exit(main())
