"""Scrub an archive larger than one machine with Spark: every partition streams through `sladd`.

    spark-submit scrub_with_spark.py 's3a://logs/2026/*/*.gz' s3a://logs-clean/2026 [--sladd /usr/local/bin/sladd]

`RDD.pipe` starts one `sladd` per partition and feeds it the partition's lines on stdin, so the
masking is exactly the stream filter's (same rules, same checksums). `sladd` must be installed on
every executor (a container image with it, or `--files` plus a relative path).

Spark reads text as UTF-8 strings: bytes that are not valid UTF-8 come out replaced (U+FFFD), and
lines are rejoined with `\\n`. Where byte-exact output matters, use `sladd scrub` on each machine
with `--shard K/N` instead (see ../kubernetes-indexed-job/).
"""

import argparse
import shutil
import sys


def scrub(spark_context, source, target, sladd="sladd", rule_args=()):
    """Masks every line of `source` (a path or glob; .gz read transparently) into `target`."""
    lines = spark_context.textFile(source)
    # pipe() splits the command with shlex; the environment carries nothing secret.
    masked = lines.pipe(" ".join([sladd, *rule_args]))
    masked.saveAsTextFile(target, compressionCodecClass="org.apache.hadoop.io.compress.GzipCodec")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source")
    parser.add_argument("target")
    parser.add_argument("--sladd", default=shutil.which("sladd") or "sladd")
    args, rule_args = parser.parse_known_args(argv)
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.appName("sladd-scrub").getOrCreate()
    try:
        scrub(spark.sparkContext, args.source, args.target, args.sladd, rule_args)
    finally:
        spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
