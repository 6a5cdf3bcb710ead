#!/usr/bin/perl
# The hand-written alternative sladd competes with: the same shapes as patterns.txt, with the
# fødselsnummer mod-11 and the card Luhn checks, in one substitution per line.
use strict; use warnings;
sub fnr_ok { my @d = split //, $_[0]; return 0 unless @d == 11;
  my @w1 = (3,7,6,1,8,9,4,5,2); my @w2 = (5,4,3,2,7,6,5,4,3,2); my ($s1, $s2) = (0, 0);
  $s1 += $d[$_] * $w1[$_] for 0..8; my $k1 = (11 - $s1 % 11) % 11; return 0 if $k1 == 10 || $k1 != $d[9];
  $s2 += $d[$_] * $w2[$_] for 0..9; my $k2 = (11 - $s2 % 11) % 11; return $k2 != 10 && $k2 == $d[10]; }
sub luhn_ok { my @d = reverse split //, $_[0]; my $s = 0;
  for my $i (0..$#d) { my $v = $d[$i]; if ($i % 2) { $v *= 2; $v -= 9 if $v > 9 } $s += $v } return $s % 10 == 0; }
binmode STDIN; binmode STDOUT;
while (my $line = <STDIN>) {
  $line =~ s{\b(\d{6})[ -]?(\d{5})\b}{fnr_ok("$1$2") ? "[fnr]" : $&}ge;
  $line =~ s{\b((?:\d[ -]?){12,18}\d)\b}{my $d = $1; $d =~ tr/ -//d; luhn_ok($d) ? "[card]" : $&}ge;
  $line =~ s{[A-Za-z0-9._%+-]+\@[A-Za-z0-9.-]+\.[A-Za-z]{2,}}{[email]}g;
  $line =~ s{\+47 ?\d{2,3} ?\d{2} ?\d{2,3}}{[phone]}g;
  $line =~ s{eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+}{[jwt]}g;
  $line =~ s{((?i:password|passwd|secret|token|api_key)=)[^\s&"]+}{$1\[secret\]}g;
  print $line;
}
