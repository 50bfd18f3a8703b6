#!/usr/bin/perl
# Scores each message file with SpamAssassin's local rules (no network tests) and
# prints "file<TAB>score<TAB>RULE=points,..." per message; one process for all.
use strict;
use warnings;
use Mail::SpamAssassin;

my $home = shift @ARGV;
my $sa = Mail::SpamAssassin->new({
    local_tests_only     => 1,
    dont_copy_prefs      => 1,
    home_dir_for_helpers => $home,
    userstate_dir        => $home,
    user_dir             => $home,
    userprefs_filename   => "$home/user_prefs",
});
$sa->init(1);
for my $file (@ARGV) {
    open(my $fh, '<', $file) or die "$file: $!";
    local $/;
    my $raw = <$fh>;
    close $fh;
    my $mail = $sa->parse($raw);
    my $status = $sa->check($mail);
    printf "%s\t%.2f\t%s\n", $file, $status->get_score(),
        $status->get_names_of_tests_hit_with_scores();
    $status->finish();
    $mail->finish();
}
