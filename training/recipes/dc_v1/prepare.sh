#!/bin/bash
# Everything the long run needs on a fresh Debian 12 machine, idempotent (each step skips what
# exists): the apt tools, the data packages (downloaded and unpacked into cache/, never
# installed), the renders, the speech streams, the validation and test splits.
#   recipes/dc_v1/prepare.sh            (~70 min on a busy 2-core machine; the renders dominate)
# Never downloaded or used: asterisk-core-sounds-*, asterisk-extra-sounds-*, freepats (reserved
# for an independent evaluation). fretsonfire-songs-* are test material only.
set -euo pipefail
cd "$(dirname "$0")/../.."
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
TOOLS=(python3-torch python3-numpy python3-scipy python3-soundfile python3-onnx python3-mido
       fluidsynth fluid-soundfont-gm timgm6mb-soundfont musescore-general-soundfont xmp espeak-ng
       ffmpeg)
missing=()
for p in "${TOOLS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
PACKAGES=(
  # MIDI corpora (music renders) and the Frets on Fire songs (test only)
  simutrans-data openttd-openmsx mma planetblupi-music-midi
  fretsonfire-songs-muldjord fretsonfire-songs-sectoid denemo-data
  # a fourth GM bank (GeneralUser GS) and two real acoustic drum kits
  minuet-data avldrums.lv2-soundfont
  # tracker modules (rendered channel by channel with xmp)
  tecnoballz-data pingus-data bomberclone-data pachi-data circuslinux-data ri-li-data njam-data
  ceferino-data
  # real voices (unweave_train.data.voices)
  fillets-ng-data-cs fillets-ng-data-nl festvox-ru tuxpaint-stamps-default
  flight-of-the-amazon-queen drascula drascula-spanish drascula-italian beneath-a-steel-sky
  klettres-data ktuberling-data hedgewars-data nexuiz-data warzone2100-data gcin-voice
  megaglest-data kajongg codec2-examples trigger-rally-data warmux-data redeclipse-data qabcs-data
  asterisk-prompt-es-co asterisk-prompt-fr-armelle asterisk-prompt-it-menardi-wav
)
mkdir -p cache/debs cache/pkgs
( cd cache/debs
  need=()
  for p in "${PACKAGES[@]}"; do [ -d "../pkgs/$p" ] || ls "${p}"_*.deb >/dev/null 2>&1 || need+=("$p"); done
  [ ${#need[@]} -eq 0 ] || apt-get download "${need[@]}"
  for f in *.deb; do p=$(echo "$f" | cut -d_ -f1); [ -d "../pkgs/$p" ] || dpkg-deb -x "$f" "../pkgs/$p"; done )
PY="nice -n 5 /usr/bin/python3"
# Speech and modules first (minutes): run.sh may start once they exist; the trainer picks up
# renders made after its start every checkpoint_minutes (train.py re-reads the cache).
$PY -m unweave_train.data.voices                       # real voices -> cache/speech
$PY -m unweave_train.data.extra_speakers --no-speed    # espeak-ng talkers (a tenth of the draws)
$PY -m unweave_train.data.modules
$PY -m unweave_train.data.render --workers 1           # FluidR3 + the held-out TimGM6mb test renders
$PY -m unweave_train.data.testsets --val               # cache/valsets (needs the FluidR3 val renders)
$PY -m unweave_train.data.render --only-generaluser --workers 1
$PY -m unweave_train.data.render --held-out-stereo --workers 1
$PY -m unweave_train.data.testsets                     # cache/testsets
echo "prepared: recipes/dc_v1/run.sh starts or resumes the long run"
