#!/usr/bin/env bash
# Rebuild the Human3.6M results of the README on a CPU, step by step:
#   1. convert the Stacked-Hourglass release   (skipped when data/poses has it)
#   2. lift it to 3D with the frame-wise FCN    (uses data/checkpoints/h36m_lifter.pth)
#   3. train SmoothNet on 3D (FCN) and 2D (Hourglass), started from the least-squares
#      linear model, and export each run into data/checkpoints/   (only with TRAIN=1)
#   4. evaluate every shipped checkpoint on S9/S11 (all pairs, and without the flagged
#      ones) against every filter and the least-squares model (the augmented defaults
#      against their least-squares twins); print the tables
#
#   H36M_SOURCE=/path/to/data/h36m bash scripts/reproduce_h36m.sh          # steps 1, 2, 4
#   TRAIN=1 H36M_SOURCE=/path/to/data/h36m bash scripts/reproduce_h36m.sh  # all steps
#   ONLY="h36m_fcn_3D_w64 h36m_hourglass_2D_w8" bash scripts/reproduce_h36m.sh  # some settings
#
# Results go to results/h36m/<setting>/ (metrics.json, metrics.csv).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
POSES=${POSES:-data/poses}
CKPT=data/checkpoints

if [ ! -f "$POSES/h36m_hourglass_2D/detected/h36m_hourglass_2D_test.npz" ]; then
    "$PY" scripts/prepare_h36m.py --source "${H36M_SOURCE:?set H36M_SOURCE to the data/h36m folder}" \
        --output "$POSES"
fi
if [ ! -f "$POSES/h36m_fcn_3D/detected/h36m_fcn_3D_test.npz" ]; then
    "$PY" scripts/prepare_h36m_fcn.py --poses "$POSES"
fi

# setting name, estimator, representation, window size, training config, extra overrides
# (docs/training.md lists every run's command and CPU time); a name starting with "-" is a
# first training stage: trained (TRAIN=1), its last checkpoint kept as
# results/h36m_train/<name>/checkpoint_last.pth.tar for the next setting, not evaluated
SETTINGS=(
    "h36m_fcn_3D_w32 fcn 3D 32 configs/h36m_cpu.yaml"
    "h36m_fcn_3D_w32_motion_aware fcn 3D 32 configs/h36m_cpu_augmented.yaml MODEL.TYPE motion_aware TRAIN.EPOCH 4"
    "h36m_fcn_3D_w32_augmented fcn 3D 32 configs/h36m_cpu_augmented.yaml TRAIN.EPOCH 6"
    "h36m_hourglass_2D_w32 hourglass 2D 32 configs/h36m_cpu.yaml"
    "h36m_hourglass_2D_w32_motion_aware hourglass 2D 32 configs/h36m_cpu_augmented.yaml MODEL.TYPE motion_aware TRAIN.EPOCH 7"
    "-h36m_hourglass_2D_w32_augmented_stage1 hourglass 2D 32 configs/h36m_cpu_augmented.yaml TRAIN.EPOCH 6 MODEL.CENTER_WINDOWS True"
    "h36m_hourglass_2D_w32_augmented hourglass 2D 32 configs/h36m_cpu_augmented.yaml TRAIN.EPOCH 2 MODEL.CENTER_WINDOWS True TRAIN.INIT checkpoint TRAIN.INIT_CHECKPOINT results/h36m_train/h36m_hourglass_2D_w32_augmented_stage1/checkpoint_last.pth.tar TRAIN.LR 0.0001 TRAIN.WARMUP_STEPS 100 TRAIN.AUGMENT.SYNTHETIC_SHARE 0.8"
    "h36m_hourglass_2D_w16 hourglass 2D 16 configs/h36m_cpu.yaml"
    "h36m_hourglass_2D_w8 hourglass 2D 8 configs/h36m_cpu.yaml"
    "h36m_hourglass_2D_w64 hourglass 2D 64 configs/h36m_cpu.yaml"
    "h36m_fcn_3D_w16 fcn 3D 16 configs/h36m_cpu.yaml"
    "h36m_fcn_3D_w8 fcn 3D 8 configs/h36m_cpu.yaml"
    "h36m_fcn_3D_w64 fcn 3D 64 configs/h36m_cpu.yaml"
)
# ONLY must name settings of the list above (a typo would otherwise run nothing)
known=" "
for setting in "${SETTINGS[@]}"; do read -r name _ <<<"$setting"; name=${name#-}; known+="${name%_stage1} "; done
for name in ${ONLY:-}; do
    if [[ "$known" != *" $name "* ]]; then echo "error: ONLY: unknown setting $name" >&2; exit 2; fi
done
FLAGGED="$POSES/h36m_hourglass_2D/flagged.json"
for setting in "${SETTINGS[@]}"; do
    read -r name estimator representation window config extra <<<"$setting"
    flags=(--dataset_name h36m --estimator "$estimator" --body_representation "$representation"
           --slide_window_size "$window")
    first_stage=0
    if [ "${name:0:1}" = - ]; then first_stage=1; name=${name:1}; fi
    # ONLY: the listed settings (a first stage goes with the setting it starts)
    if [ -n "${ONLY:-}" ] && [[ " $ONLY " != *" ${name%_stage1} "* ]]; then continue; fi
    if [ "${TRAIN:-0}" = 1 ]; then
        # shellcheck disable=SC2086
        "$PY" train_smoothnet.py --cfg "$config" "${flags[@]}" \
            DATASET.BASE_DIR "$POSES" OUTPUT_DIR "results/h36m_train/$name" EXP_NAME "$name" $extra
        run=$(ls -td "results/h36m_train/$name"/*/ | head -1)
        if [ "$first_stage" = 1 ]; then
            cp "$run/checkpoint_last.pth.tar" "results/h36m_train/$name/checkpoint_last.pth.tar"
        else
            "$PY" scripts/export_checkpoint.py "$run/checkpoint_last.pth.tar" "$CKPT/$name"
        fi
        case "$name" in *_augmented)  # its least-squares twin, on the recipe's augmented windows
            center=()
            if [[ "$extra" == *"MODEL.CENTER_WINDOWS True"* ]]; then center=(--center_windows); fi
            "$PY" scripts/fit_linear.py "${flags[@]}" --base_dir "$POSES" --cfg "$config" \
                --windows 600000 "${center[@]}" --output "$CKPT/$name/linear.pth.tar" ;;
        esac
    fi
    if [ "$first_stage" = 1 ]; then continue; fi
    filters=(--tradition all)  # every filter and the least-squares model beside the checkpoint
    case "$name" in
        *motion_aware) filters=() ;;
        *augmented) filters=(--tradition linear) ;;  # the augmented least-squares twin
    esac
    for scope in "" _unflagged; do
        exclude=()
        if [ -n "$scope" ]; then exclude=(EVALUATE.EXCLUDE_FILE "$FLAGGED"); fi
        "$PY" eval_smoothnet.py --cfg "$CKPT/$name/config.yaml" \
            --checkpoint "$CKPT/$name/checkpoint.pth.tar" "${flags[@]}" "${filters[@]}" \
            DATASET.BASE_DIR "$POSES" OUTPUT_DIR "results/h36m/$name$scope" EXP_NAME eval \
            "${exclude[@]}"
    done
done
"$PY" scripts/results_table.py --results results/h36m
