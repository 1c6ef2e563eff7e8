#!/usr/bin/env bash
# A Slurm array job: four tasks, each generating and judging one shard of the plan.
#   mkdir -p run && sbatch examples/slurm-array.sh      # from the folder holding moderation.toml
#                                                       # (Slurm opens run/slurm-*.out before the script runs)
#   sbatch --array=2 examples/slurm-array.sh            # rerun one task: it resumes from its journal
# then, once all four are done, one report over the four shards:
#   synthmod-stats --in run/judged-0.csv --in run/judged-1.csv --in run/judged-2.csv \
#     --in run/judged-3.csv --spec moderation.toml --report-dir run/report --gate
#SBATCH --job-name=synthmod
#SBATCH --array=0-3
#SBATCH --cpus-per-task=1
#SBATCH --output=run/slurm-%A_%a.out
set -euo pipefail
i=$SLURM_ARRAY_TASK_ID
n=4   # = the size of --array
mkdir -p run
# ANTHROPIC_API_KEY comes from the submitting shell (sbatch exports the environment).
synthmod-generate --spec moderation.toml --shard "$i/$n" --out "run/samples-$i.csv" --max-cost 5 --quiet
synthmod-judge --spec moderation.toml --in "run/samples-$i.csv" --out "run/judged-$i.csv" --max-cost 5 --quiet
